namespace MediaBroker.Shared.Api;

/// <summary>The answer to <c>POST /api/items/{id}/link</c>: a URL that fetches the output without a token, until it expires.</summary>
public sealed record SignedLink(string Url, DateTimeOffset ExpiresAt);
