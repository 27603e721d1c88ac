namespace MediaBroker.Broker.Health;

/// <summary>
/// Probes for a reverse proxy, systemd or an orchestrator, open without a token: <c>GET /healthz</c> (the process
/// answers) and <c>GET /readyz</c> (it can take work now, see <see cref="Readiness"/>; 503 with the reasons otherwise).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new Dictionary<string, string> { ["status"] = "alive" })).AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(Readiness readiness, HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-store";
        var problems = await readiness.ProblemsAsync(cancellationToken);
        return problems.Count == 0
            ? TypedResults.Ok(new Dictionary<string, string> { ["status"] = "ready" })
            : TypedResults.Problem($"not ready: {string.Join("; ", problems)}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                extensions: new Dictionary<string, object?> { ["reasons"] = problems });
    }
}
