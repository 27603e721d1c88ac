using System.Text.Json;
using System.Threading.Channels;
using MediaBroker.Broker.Auth;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Events;

/// <summary>
/// The broker's live events (<c>GET /api/events</c>): every item change and the figures, numbered in one sequence.
/// The last <see cref="ReplayCapacity"/> item events and the latest figures are kept, so that a reader who reconnects
/// with <c>Last-Event-ID</c> gets what it missed (older figures are not kept: the latest replace them). Each reader has
/// a bounded queue, and one that falls behind is dropped (it reconnects and catches up) rather than buffered without end.
/// </summary>
public sealed class EventHub(ILogger<EventHub> logger)
{
    public const int ReplayCapacity = 4096;
    public const int ReaderQueueCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly Queue<BrokerEvent> _recent = new(ReplayCapacity);
    private readonly HashSet<EventReader> _readers = [];
    private BrokerEvent? _latestStats;
    private long _sequence;
    // The newest item event no longer kept: a reader that saw less than this cannot be brought up to date by replay.
    private long _forgottenUpTo;

    /// <summary>Tells this broker process's events from an earlier one's.</summary>
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];

    public int ReaderCount { get { lock (_gate) return _readers.Count; } }

    /// <summary>How often every stream gets a comment line (sent by <see cref="FiguresPublisher"/>); tests shorten it.</summary>
    public TimeSpan HeartbeatInterval { get; internal set; } = TimeSpan.FromSeconds(15);

    /// <summary>Follows <see cref="Storage.ItemStore.Changed"/>: (before, after), null before = created, null after = deleted.</summary>
    public void OnItemChanged(Item? before, Item? after)
    {
        if (after is not null)
            Publish(BrokerEvent.ItemChanged, after.ClientId, JsonSerializer.SerializeToUtf8Bytes(after, WireJsonContext.Default.Item));
        else if (before is not null)
            Publish(BrokerEvent.ItemDeleted, before.ClientId, JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, string> { ["item_id"] = before.ItemId.ToString("D") }, WireJsonContext.Default.DictionaryStringString));
    }

    public void Publish(string type, string? ownerClientId, byte[] data)
    {
        lock (_gate)
        {
            var published = BrokerEvent.Create(Run, ++_sequence, type, ownerClientId, data);
            if (type == BrokerEvent.Stats) _latestStats = published;
            else
            {
                if (_recent.Count == ReplayCapacity) _forgottenUpTo = _recent.Dequeue().Sequence;
                _recent.Enqueue(published);
            }
            OfferToAll(published, reader => reader.Caller.Sees(published));
        }
    }

    /// <summary>
    /// A new reader; with <paramref name="lastEventId"/> it first gets what it missed, or one <see cref="BrokerEvent.Resync"/>
    /// (data from <paramref name="resyncData"/>) when that cannot be replayed. Subscribing and replaying happen under the
    /// publishing lock, so that no event is missed or sent twice in between.
    /// </summary>
    public EventReader Subscribe(Caller caller, string? lastEventId, Func<byte[]> resyncData)
    {
        var reader = new EventReader(this, caller);
        var last = EventId.Parse(lastEventId);
        lock (_gate)
        {
            if (last is { } known)
            {
                var replay = known.Run == Run && known.Sequence <= _sequence && known.Sequence >= _forgottenUpTo
                    ? _recent.Append(_latestStats).OfType<BrokerEvent>().Where(missed => missed.Sequence > known.Sequence && caller.Sees(missed))
                        .OrderBy(missed => missed.Sequence).ToList()
                    : null;
                if (replay is null || replay.Count > ReaderQueueCapacity / 2)
                    reader.Offer(BrokerEvent.Create(Run, _sequence, BrokerEvent.Resync, null, resyncData()));
                else
                    foreach (var missed in replay) reader.Offer(missed);
            }
            else reader.StartsAfter = _sequence;
            _readers.Add(reader);
        }
        return reader;
    }

    /// <summary>A comment line on every stream (see <see cref="HeartbeatInterval"/>), so that proxies keep quiet ones open.</summary>
    public void Heartbeat()
    {
        lock (_gate)
        {
            OfferToAll(BrokerEvent.Heartbeat, _ => true);
        }
    }

    /// <summary>A stop: every reader's stream ends, so that Kestrel's drain does not wait on them.</summary>
    public void CloseAll()
    {
        lock (_gate)
        {
            foreach (var reader in _readers) reader.Complete();
            _readers.Clear();
        }
    }

    internal void Remove(EventReader reader)
    {
        lock (_gate) _readers.Remove(reader);
    }

    /// <summary>Queues the event for every reader <paramref name="sees"/> allows; a reader whose queue is full is dropped. Called under the lock.</summary>
    private void OfferToAll(BrokerEvent published, Func<EventReader, bool> sees)
    {
        List<EventReader>? slow = null;
        foreach (var reader in _readers)
            if (sees(reader) && !reader.Offer(published)) (slow ??= []).Add(reader);
        foreach (var reader in slow ?? []) Drop(reader, "it fell more than " + ReaderQueueCapacity + " events behind");
    }

    private void Drop(EventReader reader, string why)
    {
        _readers.Remove(reader);
        reader.Complete();
        logger.LogInformation("Dropped an event stream of {Caller}: {Why}", reader.Caller.Name, why);
    }
}

/// <summary>One open <c>/api/events</c> stream: the events waiting to be written, at most <see cref="EventHub.ReaderQueueCapacity"/>.</summary>
public sealed class EventReader(EventHub hub, Caller caller) : IDisposable
{
    private readonly Channel<BrokerEvent> _queue = Channel.CreateBounded<BrokerEvent>(
        new BoundedChannelOptions(EventHub.ReaderQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public Caller Caller => caller;

    /// <summary>
    /// For a reader without Last-Event-ID: the last event before it subscribed. Sent as the stream's first id, so that
    /// a reader that sees no event before it is cut still knows where it stopped.
    /// </summary>
    public long? StartsAfter { get; internal set; }

    public ChannelReader<BrokerEvent> Events => _queue.Reader;

    /// <returns>False when the queue is full: the reader is too slow.</returns>
    internal bool Offer(BrokerEvent published) => _queue.Writer.TryWrite(published);

    internal void Complete() => _queue.Writer.TryComplete();

    public void Dispose()
    {
        hub.Remove(this);
        Complete();
    }
}

internal static class CallerEvents
{
    /// <summary>A client token sees the events of its own items and the shared figures; an admin sees all.</summary>
    public static bool Sees(this Caller caller, BrokerEvent published) => published.OwnerClientId is not { } owner || caller.Sees(owner);
}
