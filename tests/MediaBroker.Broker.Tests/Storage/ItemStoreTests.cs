using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Storage;

public sealed class ItemStoreTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private Item ReadItemJson(string folder) =>
        JsonSerializer.Deserialize(_harness.Files.File.ReadAllText(Path.Combine(folder, ItemFiles.Metadata)), WireJsonContext.Default.Item)!;

    private static Func<Item, Item?> MoveTo(ItemStatus from, ItemStatus to) => item => item.Status == from ? item with { Status = to } : null;

    [Fact]
    public async Task A_new_item_is_a_folder_in_to_do_with_its_input_and_item_json()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store, "hello"u8.ToArray());

        var folder = _harness.Data.ItemFolder(ItemStatus.ToDo, item.ItemId);
        Assert.Equal(["input", "item.json"], _harness.FilesIn(folder));
        Assert.Equal("hello"u8.ToArray(), _harness.Files.File.ReadAllBytes(Path.Combine(folder, "input")));
        ItemAssert.Same(item, ReadItemJson(folder));
        Assert.Equal(1, item.Version);
        Assert.Empty(_harness.FilesIn(_harness.Data.Incoming));
    }

    [Theory]
    [InlineData(ItemStatus.FinishedSuccessful)]
    [InlineData(ItemStatus.FinishedWithErrors)]
    public async Task Every_state_change_moves_the_folder_and_raises_both_versions(ItemStatus end)
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var versions = new List<long> { store.Version };

        foreach (var (from, to) in new[] { (ItemStatus.ToDo, ItemStatus.InProgress), (ItemStatus.InProgress, end) })
        {
            var moved = await store.UpdateAsync(item.ItemId, MoveTo(from, to));
            Assert.NotNull(moved);
            Assert.Equal(to, moved.Status);
            Assert.False(_harness.Files.Directory.Exists(_harness.Data.ItemFolder(from, item.ItemId)));
            ItemAssert.Same(moved, ReadItemJson(_harness.Data.ItemFolder(to, item.ItemId)));
            versions.Add(store.Version);
        }
        Assert.Equal(3, store.Get(item.ItemId)!.Version);
        Assert.True(versions.SequenceEqual(versions.Order()) && versions.Distinct().Count() == versions.Count);
    }

    [Fact]
    public async Task A_failed_item_can_go_back_to_to_do_and_to_the_end_of_the_queue()
    {
        var store = await _harness.OpenAsync();
        var failed = await _harness.AddAsync(store);
        var waiting = await _harness.AddAsync(store);
        await store.UpdateAsync(failed.ItemId, MoveTo(ItemStatus.ToDo, ItemStatus.InProgress));
        await store.UpdateAsync(failed.ItemId, item => item with { Status = ItemStatus.FinishedWithErrors, Errors = ["boom"] });

        var retried = await store.UpdateAsync(failed.ItemId, item => item with { Status = ItemStatus.ToDo, Errors = [] });

        Assert.Equal(ItemStatus.ToDo, retried!.Status);
        Assert.True(_harness.Files.Directory.Exists(_harness.Data.ItemFolder(ItemStatus.ToDo, failed.ItemId)));
        Assert.Equal([waiting.ItemId, failed.ItemId], store.InState(ItemStatus.ToDo));
    }

    [Fact]
    public async Task A_declined_change_leaves_the_item_untouched()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        Assert.Null(await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.InProgress, ItemStatus.FinishedSuccessful)));
        ItemAssert.Same(item, store.Get(item.ItemId));
        Assert.Null(await store.UpdateAsync(Guid.NewGuid(), MoveTo(ItemStatus.ToDo, ItemStatus.InProgress)));
    }

    [Theory]
    [InlineData(ItemStatus.ToDo)]
    [InlineData(ItemStatus.InProgress)]
    [InlineData(ItemStatus.FinishedWithErrors)]
    public async Task Deleting_removes_the_item_and_all_its_files_from_any_state(ItemStatus status)
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        if (status != ItemStatus.ToDo) await store.UpdateAsync(item.ItemId, current => current with { Status = status });

        Assert.True(await store.DeleteAsync(item.ItemId));

        Assert.Null(store.Get(item.ItemId));
        Assert.False(_harness.Files.Directory.Exists(_harness.Data.ItemFolder(status, item.ItemId)));
        Assert.Empty(_harness.FilesIn(_harness.Data.Trash));
        Assert.False(await store.DeleteAsync(item.ItemId));
    }

    [Fact]
    public async Task The_same_content_and_conversion_type_is_stored_once()
    {
        var store = await _harness.OpenAsync();
        var first = await _harness.AddAsync(store, "same"u8.ToArray());
        var second = await _harness.AddAsync(store, "same"u8.ToArray());

        Assert.Equal(first.ItemId, second.ItemId);
        Assert.Single(_harness.FilesIn(_harness.Data.StateFolder(ItemStatus.ToDo)));
        Assert.Empty(_harness.FilesIn(_harness.Data.Incoming));
    }

    [Fact]
    public async Task Listing_filters_by_client_status_and_ids_and_pages_in_creation_order()
    {
        var store = await _harness.OpenAsync();
        var items = new List<Item>();
        for (var i = 0; i < 7; i++) items.Add(await _harness.AddAsync(store, clientId: i % 2 == 0 ? "even" : "odd"));
        await store.UpdateAsync(items[2].ItemId, current => current with { Status = ItemStatus.InProgress });

        Assert.Equal(4, store.List(new ItemQuery { ClientId = "even" }).Items.Count);
        Assert.Equal([items[2].ItemId], store.List(new ItemQuery { Status = ItemStatus.InProgress }).Items.Select(item => item.ItemId));
        Assert.Equal([items[1].ItemId, items[5].ItemId],
            store.List(new ItemQuery { Ids = new HashSet<Guid> { items[5].ItemId, items[1].ItemId, Guid.NewGuid() } }).Items.Select(item => item.ItemId));

        var seen = new List<Guid>();
        Guid? after = null;
        do
        {
            var page = store.List(new ItemQuery { Limit = 3, After = after });
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(item => item.ItemId));
            after = page.NextAfter;
        } while (after is not null);
        Assert.Equal(items.Select(item => item.ItemId), seen);
    }

    [Fact]
    public async Task Listing_newest_first_and_by_part_of_the_name_pages_through_everything_also_after_a_restart()
    {
        var store = await _harness.OpenAsync();
        var items = new List<Item>();
        foreach (var name in (string[])["Holiday 2024.mp4", "garden.png", "holiday-beach.mov", "cat.jpg", "OLD HOLIDAY.mkv"])
            items.Add(await _harness.AddAsync(store, fileName: name));
        var newestFirst = items.Select(item => item.ItemId).Reverse().ToList();
        var holidays = new[] { items[4].ItemId, items[2].ItemId, items[0].ItemId };

        void AssertListings(ItemStore listed)
        {
            Assert.Equal(newestFirst, listed.List(new ItemQuery { NewestFirst = true }).Items.Select(item => item.ItemId));
            Assert.Equal(newestFirst, PageThrough(listed, new ItemQuery { NewestFirst = true, Limit = 2 }));
            Assert.Equal(holidays, PageThrough(listed, new ItemQuery { NewestFirst = true, NameContains = "holiday", Limit = 1 }));
            Assert.Equal(holidays.Reverse(), PageThrough(listed, new ItemQuery { NameContains = "HOLIDAY", Limit = 2 }));
            Assert.Empty(listed.List(new ItemQuery { NameContains = "birthday" }).Items);
        }

        AssertListings(store);
        await store.WriteIndexAsync(); // the names come back from index.json, not only from the changes of this run
        AssertListings(await _harness.OpenAsync());
    }

    private static List<Guid> PageThrough(ItemStore store, ItemQuery query)
    {
        var seen = new List<Guid>();
        Guid? after = null;
        do
        {
            var page = store.List(query with { After = after });
            Assert.True(page.Items.Count <= query.Limit);
            seen.AddRange(page.Items.Select(item => item.ItemId));
            after = page.NextAfter;
        } while (after is not null);
        return seen;
    }

    [Fact]
    public async Task A_state_change_records_when_the_conversion_started_and_finished_and_a_retry_clears_both()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        Assert.Null(item.StartedAt);

        var started = await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.ToDo, ItemStatus.InProgress));
        var failed = await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.InProgress, ItemStatus.FinishedWithErrors));
        var onDisk = ReadItemJson(_harness.Data.ItemFolder(failed!));
        var retried = await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.FinishedWithErrors, ItemStatus.ToDo));

        Assert.Equal(started!.UpdatedAt, started.StartedAt);
        Assert.Null(started.FinishedAt);
        Assert.Equal(started.StartedAt, failed!.StartedAt);
        Assert.Equal(failed.UpdatedAt, failed.FinishedAt);
        Assert.Null(retried!.StartedAt);
        Assert.Null(retried.FinishedAt);
        Assert.Equal(retried.UpdatedAt, retried.QueuedAt);
        Assert.Equal(failed.FinishedAt, onDisk.FinishedAt); // on disk, not only in memory
    }

    [Fact]
    public async Task The_index_holds_every_item_under_its_state_in_the_seeds_layout()
    {
        var store = await _harness.OpenAsync();
        var waiting = await _harness.AddAsync(store);
        var done = await _harness.AddAsync(store);
        await store.UpdateAsync(done.ItemId, current => current with { Status = ItemStatus.FinishedSuccessful });
        await store.WriteIndexAsync();

        using var index = JsonDocument.Parse(_harness.Files.File.ReadAllText(_harness.Data.IndexFile));
        var root = index.RootElement;
        Assert.Equal(store.Version, root.GetProperty("version").GetInt64());
        Assert.True(root.GetProperty("to_do").TryGetProperty(waiting.ItemId.ToString(), out var entry));
        Assert.Equal(1, entry.GetProperty("version").GetInt64());
        Assert.Equal(waiting.Sha512Checksum, entry.GetProperty("sha512_checksum").GetString());
        Assert.True(root.GetProperty("finished_successful").TryGetProperty(done.ItemId.ToString(), out _));
        Assert.Empty(root.GetProperty("in_progress").EnumerateObject());
        Assert.Empty(root.GetProperty("finished_with_errors").EnumerateObject());
    }

    [Fact]
    public async Task Progress_is_kept_in_memory_only_and_only_for_running_items()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        store.ReportProgress(item.ItemId, 0.5, 25, 1.5, 3);
        Assert.Null(store.Get(item.ItemId)!.Progress); // not running

        await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress });
        var version = store.Version;
        store.ReportProgress(item.ItemId, 0.5, 25, 1.5, 3);

        var running = store.Get(item.ItemId)!;
        Assert.Equal((0.5, 25.0, 1.5, 3.0), (running.Progress, running.Fps, running.Speed, running.EtaSeconds));
        Assert.Equal(version, store.Version);
        Assert.Null(ReadItemJson(_harness.Data.ItemFolder(running)).Progress);
    }

    [Fact]
    public async Task A_state_change_whose_item_json_cannot_be_written_changes_nothing_and_can_be_made_once_there_is_room()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var running = (await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.ToDo, ItemStatus.InProgress)))!;
        var disk = (FaultyFileSystem)_harness.Files;
        disk.SpaceLeft = 10;

        await Assert.ThrowsAsync<IOException>(() => store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.InProgress, ItemStatus.FinishedSuccessful)));

        ItemAssert.Same(running, store.Get(item.ItemId));
        ItemAssert.Same(running, ReadItemJson(_harness.Data.ItemFolder(ItemStatus.InProgress, item.ItemId)));
        Assert.False(_harness.Files.Directory.Exists(_harness.Data.ItemFolder(ItemStatus.FinishedSuccessful, item.ItemId)));

        disk.SpaceLeft = null;
        var finished = await store.UpdateAsync(item.ItemId, MoveTo(ItemStatus.InProgress, ItemStatus.FinishedSuccessful));
        ItemAssert.Same(finished, ReadItemJson(_harness.Data.ItemFolder(ItemStatus.FinishedSuccessful, item.ItemId)));
    }
}
