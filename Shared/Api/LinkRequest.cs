namespace MediaBroker.Shared.Api;

/// <summary>
/// The JSON body of <c>POST /api/items</c> that makes an item from a link: the broker fetches <see cref="Url"/> itself.
/// </summary>
public sealed record LinkRequest
{
    public string? Url { get; init; }
    /// <summary>What to convert to; the broker's default for video when left out.</summary>
    public string? ConversionType { get; init; }
    /// <summary>The library folder the output is also placed in, relative to the broker's library_path.</summary>
    public string? Directory { get; init; }
    /// <summary>Whose item it is (an admin token; a client token's items are its own).</summary>
    public string? ClientId { get; init; }
}
