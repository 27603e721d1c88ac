using System.IO.Abstractions;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Auth;

/// <summary>One row of a token listing: never the secret, not even its hash.</summary>
public sealed record TokenListing(string Name, string Role, string? ClientId, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A token just made: the only moment its secret is known.</summary>
public sealed record NewToken(string Name, string Role, string? ClientId, string Token);

/// <summary>What can go wrong adding or revoking a token, in words for the person who asked.</summary>
public sealed class TokenBookException(string message, bool isConflict = false) : Exception(message)
{
    public bool IsConflict { get; } = isConflict;
}

/// <summary>
/// Adding, listing and revoking tokens, the same for <c>media-broker token</c> and for an admin over HTTP
/// (<c>/api/tokens</c>): the rules for names and roles live here once.
/// </summary>
public sealed class TokenBook(DataFolder data, IFileSystem files, TimeProvider time)
{
    private TokenFile File => new(TokenRegistry.TokenFilePath(data), files);

    public async Task<NewToken> AddAsync(string name, string? roleText, string? clientId, CancellationToken cancellationToken = default)
    {
        if (!ClientIds.IsValid(name)) throw new TokenBookException($"a token's name {ClientIds.Rule}; got '{name}'");
        if (name == Caller.Anonymous.Name) throw new TokenBookException($"the name '{name}' is reserved for requests without a token");
        if (!AccessRoles.TryParse(roleText ?? "client", out var role)) throw new TokenBookException($"role '{roleText}' is not one of client, admin");
        if (role == AccessRole.Admin && clientId is not null) throw new TokenBookException("a client_id is for client tokens; an admin acts for every client");
        if (clientId is not null && !ClientIds.IsValid(clientId)) throw new TokenBookException($"client_id {ClientIds.Rule}; got '{clientId}'");

        var secret = TokenSecrets.New();
        var entry = new TokenEntry
        {
            Name = name, Role = role.WireName(), ClientId = role == AccessRole.Client ? clientId ?? name : null,
            Sha256 = TokenSecrets.HashHex(secret), CreatedAt = time.GetUtcNow(),
        };
        var added = await File.ChangeAsync(document => document.Tokens.Any(token => token.Name == name)
            ? (document, false)
            : (document with { Tokens = [.. document.Tokens, entry] }, true), cancellationToken);
        if (!added) throw new TokenBookException($"a token named '{name}' exists already; revoke it first or choose another name", isConflict: true);
        return new NewToken(entry.Name, entry.Role, entry.ClientId, secret);
    }

    /// <returns>False when there is no token of that name.</returns>
    public Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default) =>
        File.ChangeAsync(document => document.Tokens.Any(token => token.Name == name)
            ? (document with { Tokens = document.Tokens.Where(token => token.Name != name).ToList() }, true)
            : (document, false), cancellationToken);

    public IReadOnlyList<TokenListing> List()
    {
        var used = TokenUse.Read(TokenRegistry.UseFilePath(data));
        return File.Read().Tokens.Select(token => new TokenListing(token.Name, token.Role, token.ClientId, token.CreatedAt,
            used.TryGetValue(token.Name, out var at) ? at : null)).ToList();
    }
}
