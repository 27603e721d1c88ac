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
        var tokens = app.MapGroup("/api/tokens").ForAdminsOnly().WithTags("Tokens");
        tokens.MapGet("/", (TokenBook book) => TypedResults.Ok(book.List()))
            .WithSummary("List tokens")
            .WithDescription("Every token's name, role, client id, creation and last use; never a secret.");
        tokens.MapPost("/", AddAsync)
            .WithSummary("Add a token")
            .WithDescription("As media-broker token add: a name, a role (client, the default, or admin) and optionally a client_id. The secret is in "
                + "this answer and nowhere else.")
            .Produces<NewToken>(StatusCodes.Status201Created)
            .ResponseHeader(StatusCodes.Status201Created, "Location", "The token's address (for DELETE).")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        tokens.MapDelete("/{name}", async (string name, TokenBook book, CancellationToken cancellationToken) =>
            await book.RevokeAsync(name, cancellationToken)
                ? Results.NoContent()
                : TypedResults.Problem($"there is no token named '{name}'", statusCode: StatusCodes.Status404NotFound, title: "No such token"))
            .WithSummary("Revoke a token")
            .WithDescription("The token stops working at once, and the signed links it made with it.")
            .PathParameter("name", "The token's name.")
            .Produces(StatusCodes.Status204NoContent)
            .Problems(StatusCodes.Status404NotFound);
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
