using System.Threading.Channels;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Item ids waiting for a worker, first in first out. Fed by the store itself: whatever makes an item enter to_do
/// (a new upload, a retry, a stop, recovery) queues it, so no path can forget to.
/// </summary>
public sealed class ConversionQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>();

    public ConversionQueue(ItemStore store)
    {
        store.Changed += (before, after) =>
        {
            if (after is { Status: ItemStatus.ToDo } && before?.Status != ItemStatus.ToDo)
                _channel.Writer.TryWrite(after.ItemId);
        };
        // Ids queued twice are harmless: a worker only takes an item that is still in to_do.
        foreach (var item in store.InState(ItemStatus.ToDo))
            _channel.Writer.TryWrite(item.ItemId);
    }

    public ChannelReader<Guid> Reader => _channel.Reader;

    /// <summary>Puts an item back in line whose claim failed for a reason of the broker's, not the item's.</summary>
    public void Add(Guid itemId) => _channel.Writer.TryWrite(itemId);
}
