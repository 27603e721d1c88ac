using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>Filters of <c>GET /api/items</c>; every filter given must match.</summary>
public sealed record ItemQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public string? ClientId { get; init; }
    public ItemStatus? Status { get; init; }
    public IReadOnlySet<Guid>? Ids { get; init; }
    public string? Sha512Checksum { get; init; }
    public string? ConversionType { get; init; }
    /// <summary>Part of the original file name, any case.</summary>
    public string? NameContains { get; init; }
    /// <summary>Newest first (the dashboard) instead of creation order (clients, which page through everything).</summary>
    public bool NewestFirst { get; init; }
    /// <summary>Paging cursor: the last item id of the previous page.</summary>
    public Guid? After { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    public bool Matches(Item item) =>
        (ClientId is null || item.ClientId == ClientId)
        && (Status is null || item.Status == Status)
        && (Ids is null || Ids.Contains(item.ItemId))
        && (Sha512Checksum is null || item.Sha512Checksum == Sha512Checksum)
        && (ConversionType is null || item.ConversionType == ConversionType)
        && NameMatches(item.OriginalFileName);

    public bool NameMatches(string name) => NameContains is null || name.Contains(NameContains, StringComparison.OrdinalIgnoreCase);
}
