using System.Globalization;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using Microsoft.OpenApi;

namespace MediaBroker.Broker.Api;

/// <summary>
/// Links that fetch an output without a token, for a browser, a media player or <c>wget</c>:
/// <c>POST /api/items/{id}/link?expires_in=SECONDS</c> makes one for the item's owner (or an admin), and
/// <c>GET /links/{id}/{file name}?expires=&amp;signature=</c> serves it, Range included. A changed, expired or foreign link is 403.
/// </summary>
public static class SignedLinks
{
    public const int DefaultLifetimeSeconds = 24 * 3600;
    public const int MinLifetimeSeconds = 60;
    public const int MaxLifetimeSeconds = 30 * 24 * 3600;

    public static IEndpointRouteBuilder MapSignedLinks(this IEndpointRouteBuilder app)
    {
        // The signature is the permission: no token is asked for.
        app.MapMethods("/links/{itemId:guid}/{fileName}", [HttpMethods.Get, HttpMethods.Head], Fetch).AllowAnonymous()
            .WithTags("Signed links")
            .DescribeOutput("Download an output by a signed link",
                "The output of the item a link was made for (POST /api/items/{itemId}/link), with no token: the signature is the permission. "
                + "Range as for /api/items/{itemId}/output. A changed, expired or revoked link is 403.")
            .PathParameter("itemId", "The item's id.")
            .PathParameter("fileName", "The output's file name, as the link gives it.")
            .Query("expires", "When the link expires, in Unix seconds; part of what is signed.", JsonSchemaType.Integer, required: true)
            .Query("by", "The name of the token that made the link; part of what is signed.", required: true)
            .Query("signature", "The link's signature.", required: true)
            .Problems(StatusCodes.Status403Forbidden);
        return app;
    }

    public static IResult CreateAsync(Guid itemId, string? expires_in, Caller caller, HttpRequest request, ItemStore store, LinkSigner signer, TimeProvider time)
    {
        var lifetime = DefaultLifetimeSeconds;
        if (expires_in is not null && (!int.TryParse(expires_in, NumberStyles.None, CultureInfo.InvariantCulture, out lifetime)
            || lifetime is < MinLifetimeSeconds or > MaxLifetimeSeconds))
            return ProblemResponses.BadRequest($"expires_in must be a number of seconds from {MinLifetimeSeconds} to {MaxLifetimeSeconds} (30 days)");
        if (store.Visible(itemId, caller) is not { } item) return ProblemResponses.NotFound(itemId);
        if (item.Status != ItemStatus.FinishedSuccessful || item.Output is not { } output)
            return ProblemResponses.Conflict($"the item is in {item.Status.WireName()}; a link can be made once it is in finished_successful");
        if (item.FilesRemovedAt is { } removed)
            return ProblemResponses.Conflict($"the output was removed from the broker at {removed:u} (keep_finished_hours, keep_failed_days); there is nothing to link to");

        var expires = time.GetUtcNow().AddSeconds(lifetime).ToUnixTimeSeconds();
        var signature = signer.Sign(itemId, expires, output.Sha512Checksum, output.FileName, caller.Name);
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}/links/{itemId:D}/{Uri.EscapeDataString(output.FileName)}"
            + $"?expires={expires}&by={Uri.EscapeDataString(caller.Name)}&signature={signature}";
        return TypedResults.Created(url, new SignedLink(url, DateTimeOffset.FromUnixTimeSeconds(expires)));
    }

    private static IResult Fetch(Guid itemId, string fileName, string? expires, string? by, string? signature, HttpContext context, ItemStore store,
        LinkSigner signer, TokenRegistry tokens, TimeProvider time, TransferMeter meter)
    {
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt) || string.IsNullOrEmpty(by) || string.IsNullOrEmpty(signature))
            return Refuse("the link is incomplete: it needs its expires, by and signature");
        // Whether the item exists is the one thing said before the signature is checked: a link holder knows its id anyway.
        if (store.Get(itemId) is not { } item) return ProblemResponses.NotFound(itemId);
        if (item.Output is not { } output || !signer.Verify(itemId, expiresAt, output.Sha512Checksum, fileName, by, signature))
            return Refuse("the link's signature does not match: it was changed, its output was made again, or its key was rotated");
        if (time.GetUtcNow().ToUnixTimeSeconds() > expiresAt)
            return Refuse($"the link expired at {DateTimeOffset.FromUnixTimeSeconds(expiresAt):u}; ask its owner for a new one");
        if (by != Caller.Anonymous.Name && !tokens.Exists(by))
            return Refuse($"the token that made this link ('{by}') was revoked, and its links with it");
        context.Response.Headers.CacheControl = "private, no-store"; // the URL is a secret: no shared cache keeps it
        return OutputEndpoint.Serve(item, context, store, meter);
    }

    private static IResult Refuse(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Link not valid");
}
