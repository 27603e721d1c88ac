using System.Threading.Channels;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Item ids waiting for a worker, first in first out. Fed by the store's changes (wired in
/// <see cref="Hosting.BrokerLifecycle"/>): whatever makes an item enter to_do (a new upload, a retry, a stop,
/// recovery) queues it, so no path can forget to.
/// </summary>
public sealed class ConversionQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>();

    public ChannelReader<Guid> Reader => _channel.Reader;

    /// <summary>Queues an item that has just become convertible: entered to_do with its input there, or got its input (a fetched link).</summary>
    public void OnItemChanged(Item? before, Item? after)
    {
        if (after is { Status: ItemStatus.ToDo, Phase: null } && before is not { Status: ItemStatus.ToDo, Phase: null })
            _channel.Writer.TryWrite(after.ItemId);
    }

    /// <summary>
    /// Puts items in line: those found in to_do at start, or one whose claim failed for a reason of the broker's, not
    /// the item's. Ids queued twice are harmless: a worker only takes an item that is still in to_do with its input there.
    /// </summary>
    public void Add(IEnumerable<Guid> itemIds)
    {
        foreach (var itemId in itemIds) _channel.Writer.TryWrite(itemId);
    }
}
