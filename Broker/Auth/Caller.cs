using System.Security.Claims;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// Who sent a request, as its token says (or the anonymous local user, where that is allowed). A client caller acts
/// for its own client_id, whatever the request names; an admin acts for anyone. Bound as a parameter of any endpoint.
/// </summary>
public sealed record Caller(string Name, AccessRole Role, string? ClientId)
{
    public const string ClientIdClaim = "mediabroker:client_id";

    /// <summary>A request without a token where the broker allows that: the person at this machine, with every right.</summary>
    public static readonly Caller Anonymous = new("anonymous", AccessRole.Admin, null);

    public bool IsAdmin => Role == AccessRole.Admin;

    /// <summary>Whether this caller may see (and act on) something owned by <paramref name="ownerClientId"/>.</summary>
    public bool Sees(string ownerClientId) => IsAdmin || string.Equals(ClientId, ownerClientId, StringComparison.Ordinal);

    public bool Sees(Item item) => Sees(item.ClientId);

    /// <summary>The client_id a request acts for: a client token's own, never the one the request names.</summary>
    public string? ClientIdFor(string? requested) =>
        IsAdmin ? requested : ClientId ?? throw new InvalidOperationException($"client token '{Name}' has no client_id"); // never acts for all

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Name), new(ClaimTypes.Role, Role.WireName()) };
        if (ClientId is not null) claims.Add(new Claim(ClientIdClaim, ClientId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static Caller? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        var role = user.IsInRole(AccessRole.Admin.WireName()) ? AccessRole.Admin : AccessRole.Client;
        return new Caller(user.Identity.Name ?? "", role, user.FindFirst(ClientIdClaim)?.Value);
    }

    /// <summary>Minimal API binding: an endpoint that names a <see cref="Caller"/> parameter gets the authenticated one.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<Caller?>(From(context.User)
            ?? throw new InvalidOperationException("an endpoint that takes a Caller must require authorization"));
}
