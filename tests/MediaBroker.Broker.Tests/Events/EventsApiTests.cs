using System.Net.ServerSentEvents;
using System.Text.Json;
using MediaBroker.Broker.Events;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Events;

/// <summary><c>GET /api/events</c> on a real broker: item changes in order, catch-up with Last-Event-ID, tokens, heartbeats, stops.</summary>
public sealed class EventsApiTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("events");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> UploadImageAsync(int seed, string? clientId = null, HttpClient? http = null)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine($"picture {seed}.png"), seed: seed);
        await using var content = File.OpenRead(image);
        var (item, _) = await new BrokerApiClient(http ?? _broker.Http).UploadAsync(content, Path.GetFileName(image), "webp", await Sha512Hex.OfFileAsync(image), clientId);
        return item;
    }

    private static Item ItemOf(SseItem<string> item) => JsonSerializer.Deserialize(item.Data, WireJsonContext.Default.Item)!;

    private static bool Finished(SseItem<string> item, Guid itemId) =>
        item.EventType == BrokerEvent.ItemChanged && ItemOf(item) is { Status: ItemStatus.FinishedSuccessful } done && done.ItemId == itemId;

    private static long SequenceOf(string? eventId) => EventId.Parse(eventId)!.Value.Sequence;

    [Fact]
    public async Task Every_change_of_an_item_arrives_in_order_with_increasing_ids()
    {
        await using var events = await EventStream.OpenAsync(_broker.Http);
        var item = await UploadImageAsync(1);

        var read = await events.ReadUntilAsync(e => Finished(e, item.ItemId), "the item's finish");

        var states = read.Where(e => e.EventType == BrokerEvent.ItemChanged).Select(ItemOf).Where(i => i.ItemId == item.ItemId)
            .Select(i => i.Status).Distinct().ToList();
        Assert.Equal([ItemStatus.ToDo, ItemStatus.InProgress, ItemStatus.FinishedSuccessful], states);
        var sequences = read.Select(e => SequenceOf(e.EventId)).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task A_reader_that_reconnects_with_Last_Event_ID_gets_every_change_it_missed_and_none_twice()
    {
        string lastSeen;
        await using (var first = await EventStream.OpenAsync(_broker.Http))
        {
            var early = await UploadImageAsync(2);
            await first.ReadUntilAsync(e => Finished(e, early.ItemId), "the first item's finish");
            lastSeen = first.LastEventId;
        }
        var missed = await UploadImageAsync(3);
        await _broker.Api.WaitUntilFinishedAsync(missed.ItemId);
        await _broker.Api.DeleteAsync(missed.ItemId);

        await using var again = await EventStream.OpenAsync(_broker.Http, lastSeen);
        var read = await again.ReadUntilAsync(e => e.EventType == BrokerEvent.ItemDeleted, "the deletion made while away");

        Assert.DoesNotContain(read, e => e.EventType == BrokerEvent.Resync);
        Assert.All(read, e => Assert.True(SequenceOf(e.EventId) > SequenceOf(lastSeen), $"event {e.EventId} was seen before {lastSeen}"));
        var states = read.Where(e => e.EventType == BrokerEvent.ItemChanged).Select(ItemOf).Where(i => i.ItemId == missed.ItemId).Select(i => i.Status).Distinct();
        Assert.Equal([ItemStatus.ToDo, ItemStatus.InProgress, ItemStatus.FinishedSuccessful], states);
        Assert.Contains(missed.ItemId.ToString("D"), read[^1].Data);
    }

    [Fact]
    public async Task A_Last_Event_ID_of_an_earlier_broker_run_gets_a_resync_with_the_current_figures()
    {
        await UploadImageAsync(4);
        await using var events = await EventStream.OpenAsync(_broker.Http, "0a1b2c3d.42");

        var first = await events.NextAsync();

        Assert.Equal(BrokerEvent.Resync, first?.EventType);
        var figures = JsonSerializer.Deserialize(first!.Value.Data, WireJsonContext.Default.BrokerStats)!;
        Assert.Equal(1, figures.Queue.Total);
    }

    [Fact]
    public async Task A_fresh_stream_says_where_it_starts_so_that_a_reader_cut_before_any_event_can_catch_up()
    {
        string start;
        using (var response = await _broker.Http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            var opening = new List<string>();
            while (await reader.ReadLineAsync() is { Length: > 0 } line) opening.Add(line); // the first block, before any event
            start = opening.Single(line => line.StartsWith("id: ", StringComparison.Ordinal))["id: ".Length..];
        }
        Assert.StartsWith(_broker.Services.GetRequiredService<EventHub>().Run + ".", start);
        var item = await UploadImageAsync(5);

        await using var again = await EventStream.OpenAsync(_broker.Http, start);
        var read = await again.ReadUntilAsync(e => Finished(e, item.ItemId), "the item made after the cut");

        Assert.Contains(read, e => e.EventType == BrokerEvent.ItemChanged && ItemOf(e) is { Status: ItemStatus.ToDo } created && created.ItemId == item.ItemId);
    }

    [Fact]
    public async Task A_client_token_gets_the_events_of_its_own_items_only()
    {
        var admin = await _broker.AddTokenAsync("root", "admin");
        var phone = await _broker.AddTokenAsync("phone", "client");
        using var adminHttp = _broker.ClientWith(admin);
        using var phoneHttp = _broker.ClientWith(phone);
        await using var events = await EventStream.OpenAsync(phoneHttp);

        var theirs = await UploadImageAsync(6, "laptop", adminHttp);
        await new BrokerApiClient(adminHttp).WaitUntilFinishedAsync(theirs.ItemId);
        var mine = await UploadImageAsync(7, http: phoneHttp);
        var read = await events.ReadUntilAsync(e => Finished(e, mine.ItemId), "the client's own item");

        Assert.DoesNotContain(read, e => e.Data.Contains(theirs.ItemId.ToString("D"), StringComparison.Ordinal));
        Assert.All(read.Where(e => e.EventType == BrokerEvent.ItemChanged), e => Assert.Equal("phone", ItemOf(e).ClientId));
    }

    [Fact]
    public async Task A_quiet_stream_gets_a_heartbeat_comment()
    {
        _broker.Services.GetRequiredService<EventHub>().HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        using var response = await _broker.Http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        while (await reader.ReadLineAsync().WaitAsync(Eventually.DefaultLimit) is { } line)
            if (line == ": heartbeat") return;
        Assert.Fail("the stream ended without a heartbeat");
    }

    [Fact]
    public async Task A_stopping_broker_ends_open_streams_instead_of_waiting_for_them()
    {
        await using var events = await EventStream.OpenAsync(_broker.Http);
        var hub = _broker.Services.GetRequiredService<EventHub>();
        await Eventually.TrueAsync(() => hub.ReaderCount == 1, "the stream to be registered");

        var stopping = _broker.StopAsync();
        while (await events.NextAsync() is not null) { } // ends: the broker closed it

        await stopping;
        Assert.Equal(0, hub.ReaderCount);
    }
}
