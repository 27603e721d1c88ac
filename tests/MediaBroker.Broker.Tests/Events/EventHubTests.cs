using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Events;

/// <summary>The hub's bounds: a reader that does not read is dropped, not buffered; replay covers only what it kept.</summary>
public sealed class EventHubTests
{
    private readonly EventHub _hub = new(NullLogger<EventHub>.Instance);

    private void PublishMany(int count, string type = BrokerEvent.ItemChanged)
    {
        for (var i = 0; i < count; i++) _hub.Publish(type, null, [(byte)'{', (byte)'}']);
    }

    [Fact]
    public void A_reader_that_falls_a_queue_behind_is_dropped_and_its_stream_ends()
    {
        using var slow = _hub.Subscribe(Caller.Anonymous, null, () => []);
        using var keeping = _hub.Subscribe(Caller.Anonymous, null, () => []);

        PublishMany(EventHub.ReaderQueueCapacity);
        while (keeping.Events.TryRead(out _)) { }
        PublishMany(1);

        Assert.Equal(1, _hub.ReaderCount);
        Assert.True(keeping.Events.TryRead(out _));
        var queued = 0;
        while (slow.Events.TryRead(out _)) queued++;
        Assert.Equal(EventHub.ReaderQueueCapacity, queued); // what it had is still written, then its stream ends
        Assert.True(slow.Events.Completion.IsCompleted);
    }

    [Fact]
    public void A_reader_too_far_behind_for_replay_gets_a_resync_instead()
    {
        using var first = _hub.Subscribe(Caller.Anonymous, null, () => []);
        var start = $"{_hub.Run}.{first.StartsAfter}";
        PublishMany(EventHub.ReplayCapacity + 10);

        using var late = _hub.Subscribe(Caller.Anonymous, start, () => "{\"figures\":1}"u8.ToArray());

        Assert.True(late.Events.TryRead(out var only));
        Assert.Equal(BrokerEvent.Resync, only.Type);
        Assert.False(late.Events.TryRead(out _));
    }

    [Fact]
    public void Figures_do_not_crowd_item_changes_out_of_the_replay_only_the_latest_figures_are_replayed()
    {
        using var first = _hub.Subscribe(Caller.Anonymous, null, () => []);
        var start = $"{_hub.Run}.{first.StartsAfter}";
        PublishMany(2);
        PublishMany(EventHub.ReplayCapacity * 2, BrokerEvent.Stats); // an idle broker's free space moving for hours
        PublishMany(1);

        using var late = _hub.Subscribe(Caller.Anonymous, start, () => []);

        var replayed = new List<BrokerEvent>();
        while (late.Events.TryRead(out var next)) replayed.Add(next);
        Assert.Equal([BrokerEvent.ItemChanged, BrokerEvent.ItemChanged, BrokerEvent.Stats, BrokerEvent.ItemChanged], replayed.Select(e => e.Type));
        Assert.Equal(replayed.Select(e => e.Sequence).Order(), replayed.Select(e => e.Sequence));
    }

    [Fact]
    public void A_reader_just_behind_gets_exactly_the_events_after_its_id()
    {
        using var first = _hub.Subscribe(Caller.Anonymous, null, () => []);
        PublishMany(5);
        var seen = $"{_hub.Run}.{first.StartsAfter + 2}";

        using var again = _hub.Subscribe(Caller.Anonymous, seen, () => []);

        var replayed = new List<long>();
        while (again.Events.TryRead(out var next)) replayed.Add(next.Sequence);
        Assert.Equal([first.StartsAfter!.Value + 3, first.StartsAfter.Value + 4, first.StartsAfter.Value + 5], replayed);
    }
}
