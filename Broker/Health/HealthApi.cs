using MediaBroker.Broker.Api;

namespace MediaBroker.Broker.Health;

/// <summary>
/// Probes for a reverse proxy, systemd or an orchestrator, open without a token: <c>GET /healthz</c> (the process
/// answers) and <c>GET /readyz</c> (it can take work now, see <see cref="Readiness"/>; 503 with the reasons otherwise).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new Dictionary<string, string> { ["status"] = "alive" })).AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Whether the broker process answers")
            .WithDescription("Always `{\"status\":\"alive\"}` while the process runs; for liveness probes. No token needed.");
        app.MapGet("/readyz", ReadyAsync).AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Whether the broker can take work now")
            .WithDescription("`{\"status\":\"ready\"}` when ffmpeg and ffprobe run, libvips loads (where pictures are converted), the data folder "
                + "is there and takes a write, the disk has more than min_free_bytes free, and recovery has finished; otherwise 503 with "
                + "the reasons in `detail` and `reasons`. No token needed.")
            .Produces<Dictionary<string, string>>()
            .Problems(StatusCodes.Status503ServiceUnavailable);
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
