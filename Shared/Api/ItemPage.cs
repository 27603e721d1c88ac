using MediaBroker.Shared.Items;

namespace MediaBroker.Shared.Api;

/// <summary>One page of <c>GET /api/items</c>; pass <see cref="NextAfter"/> as <c>after</c> for the next one.</summary>
public sealed record ItemPage(IReadOnlyList<Item> Items, Guid? NextAfter);
