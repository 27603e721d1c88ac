using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// <c>Authorization: Bearer TOKEN</c> against tokens.json. A missing token is anonymous where
/// <see cref="AnonymousAccess"/> allows it; a wrong one is logged with the caller's address and counted by
/// <see cref="FailedAttempts"/>. Refusals are problem+json like every other error: 401 with the reason, 403 for a client
/// token on an admin route, 429 while an address is locked out.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder,
    TokenRegistry tokens, AnonymousAccess anonymous, FailedAttempts failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "Bearer";
    private const string RefusalKey = "MediaBroker.AuthRefusal";

    private sealed record Refusal(int Status, string Detail, TimeSpan? RetryAfter = null);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            if (anonymous.Allowed) return Task.FromResult(Success(Caller.Anonymous));
            if (tokens.IsBroken)
                return Refuse(StatusCodes.Status401Unauthorized, "the broker cannot read its tokens.json, so it refuses every request until an administrator fixes it (see its log)");
            return Refuse(StatusCodes.Status401Unauthorized, tokens.Count == 0
                ? "this broker has no tokens and is reachable from other machines; an administrator adds one with `media-broker token add NAME`"
                : "this broker needs a token: send Authorization: Bearer TOKEN (an administrator makes one with `media-broker token add NAME`)");
        }

        var address = Context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : Context.Connection.RemoteIpAddress;
        if (failures.LockedOutFor(address) is { } wait)
            return Refuse(StatusCodes.Status429TooManyRequests,
                $"too many wrong tokens from {address}; try again in {Math.Ceiling(wait.TotalSeconds):0} s", wait);
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length > 1024)
            return Refuse(StatusCodes.Status401Unauthorized, "the Authorization header must be 'Bearer TOKEN'");

        var secret = header["Bearer ".Length..].Trim();
        if (tokens.Find(secret) is { } entry)
        {
            tokens.MarkUsed(entry);
            return Task.FromResult(Success(entry.ToCaller()));
        }
        if (tokens.IsBroken)
            return Refuse(StatusCodes.Status401Unauthorized, "the broker cannot read its tokens.json, so it refuses every request until an administrator fixes it (see its log)");
        var count = failures.Record(address);
        Logger.LogWarning("Refused {Method} {Path} from {Address}: unknown or revoked token ({Count} wrong in the last minute)",
            Request.Method, Request.Path.Value, address, count);
        return Refuse(StatusCodes.Status401Unauthorized, "the token is not valid here (unknown or revoked)");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Items[RefusalKey] as Refusal
            ?? new Refusal(StatusCodes.Status401Unauthorized, "this needs a token: send Authorization: Bearer TOKEN");
        if (refusal.Status == StatusCodes.Status401Unauthorized) Response.Headers.WWWAuthenticate = "Bearer";
        if (refusal.RetryAfter is { } wait) Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var title = refusal.Status == StatusCodes.Status429TooManyRequests ? "Too many wrong tokens" : "Token needed";
        return TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: title).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        TypedResults.Problem($"this needs an admin token; '{Context.User.Identity?.Name}' is a client token",
            statusCode: StatusCodes.Status403Forbidden, title: "Admin only").ExecuteAsync(Context);

    private AuthenticateResult Success(Caller caller) =>
        AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));

    private Task<AuthenticateResult> Refuse(int status, string detail, TimeSpan? retryAfter = null)
    {
        Context.Items[RefusalKey] = new Refusal(status, detail, retryAfter);
        return Task.FromResult(AuthenticateResult.Fail(detail));
    }
}
