using MediaBroker.Broker.Auth;

namespace MediaBroker.Broker.Api;

/// <summary>
/// <c>/api/tokens</c>, for admins: the same as <c>media-broker token list|add|revoke</c>, for whoever manages a broker from
/// elsewhere. A new token's secret is in the answer to its POST and nowhere else.
/// </summary>
public static class TokensApi
{
    /// <summary>The body of <c>POST /api/tokens</c>.</summary>
    public sealed record TokenRequest(string? Name, string? Role, string? ClientId);

    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").ForAdminsOnly();
        tokens.MapGet("/", (TokenBook book) => TypedResults.Ok(book.List()));
        tokens.MapPost("/", AddAsync);
        tokens.MapDelete("/{name}", async (string name, TokenBook book, CancellationToken cancellationToken) =>
            await book.RevokeAsync(name, cancellationToken)
                ? Results.NoContent()
                : TypedResults.Problem($"there is no token named '{name}'", statusCode: StatusCodes.Status404NotFound, title: "No such token"));
        return app;
    }

    private static async Task<IResult> AddAsync(TokenRequest? request, TokenBook book, CancellationToken cancellationToken)
    {
        if (request?.Name is not { } name) return ProblemResponses.BadRequest("send JSON with a name, and optionally role (client or admin) and client_id");
        try
        {
            var made = await book.AddAsync(name, request.Role, request.ClientId, cancellationToken);
            return TypedResults.Created($"/api/tokens/{made.Name}", made);
        }
        catch (TokenBookException error)
        {
            return error.IsConflict ? ProblemResponses.Conflict(error.Message) : ProblemResponses.BadRequest(error.Message);
        }
    }
}
