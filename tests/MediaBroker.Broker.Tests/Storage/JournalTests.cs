using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>index.journal: a line per change after index.json, read back at start, merged into the next snapshot.</summary>
public sealed class JournalTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static Func<Item, Item?> To(ItemStatus status) => current => current with { Status = status };

    [Fact]
    public async Task Every_change_is_a_line_with_the_index_version_it_makes()
    {
        var store = await _harness.OpenAsync();
        var start = store.Version;
        var item = await _harness.AddAsync(store);
        await store.UpdateAsync(item.ItemId, To(ItemStatus.InProgress));
        await store.DeleteAsync(item.ItemId);

        var all = _harness.Files.File.ReadAllLines(_harness.Data.JournalFile);
        var lines = all.Where(line => !line.StartsWith("{\"intent\"", StringComparison.Ordinal)).TakeLast(3).ToArray();
        // Each change is announced before the item's folder is touched.
        Assert.Equal($"{{\"intent\":\"{item.ItemId}\"}}", all[Array.IndexOf(all, lines[0]) - 1]);

        Assert.StartsWith($"{{\"version\":{start + 1},\"item\":{{\"item_id\":\"{item.ItemId}\"", lines[0]);
        Assert.Contains("\"status\":\"in_progress\"", lines[1]);
        Assert.Equal($"{{\"version\":{start + 3},\"deleted\":\"{item.ItemId}\"}}", lines[2]);
        Assert.Equal(start + 3, store.Version);
    }

    [Fact]
    public async Task A_torn_last_line_is_ignored_and_cut_off_before_the_next_line()
    {
        var store = await _harness.OpenAsync();
        var first = await _harness.AddAsync(store);
        var second = await _harness.AddAsync(store);
        // What a crash in the middle of an append (or a power cut) leaves.
        using (var journal = _harness.Files.FileStream.New(_harness.Data.JournalFile, FileMode.Append))
            journal.Write("{\"version\":99,\"item\":{\"item_id\":\"torn-zz"u8);

        var reopened = await _harness.OpenAsync();
        Assert.Equal(store.Version, reopened.Version);
        ItemAssert.Same(first, reopened.Get(first.ItemId));
        ItemAssert.Same(second, reopened.Get(second.ItemId));
        var third = await _harness.AddAsync(reopened);

        var index = IndexFile.ReadWithJournal(_harness.Files, _harness.Data)!;
        Assert.Equal(new[] { first.ItemId, second.ItemId, third.ItemId }.Order(), index.ToDo.Keys.Order());
        Assert.Equal(reopened.Version, index.Version);
        Assert.DoesNotContain("torn-zz", _harness.Files.File.ReadAllText(_harness.Data.JournalFile));
    }

    [Fact]
    public async Task A_journal_damaged_in_the_middle_is_kept_aside_and_the_index_rebuilt_from_the_folders()
    {
        var store = await _harness.OpenAsync();
        var items = new[] { await _harness.AddAsync(store), await _harness.AddAsync(store), await _harness.AddAsync(store) };
        var lines = _harness.Files.File.ReadAllLines(_harness.Data.JournalFile);
        lines[^2] = lines[^2][..40];
        _harness.Files.File.WriteAllLines(_harness.Data.JournalFile, lines);

        var reopened = await _harness.OpenAsync();

        Assert.All(items, item => ItemAssert.Same(item, reopened.Get(item.ItemId)));
        Assert.Contains(_harness.FilesIn(_harness.Data.LostAndFound), name => name.EndsWith("index.journal", StringComparison.Ordinal));
        Assert.Equal(items.Select(item => item.ItemId).Order(), IndexFile.ReadWithJournal(_harness.Files, _harness.Data)!.ToDo.Keys.Order());
    }

    [Fact]
    public async Task A_new_snapshot_is_merged_from_the_old_one_and_the_journal_each_state_in_creation_order()
    {
        var store = await _harness.OpenAsync();
        var items = new List<Item>();
        for (var i = 0; i < 12; i++) items.Add(await _harness.AddAsync(store));
        await store.WriteIndexAsync();
        for (var i = 0; i < 12; i += 3) await store.UpdateAsync(items[i].ItemId, To(ItemStatus.FinishedWithErrors));
        await store.DeleteAsync(items[1].ItemId);
        var late = await _harness.AddAsync(store);

        await store.WriteIndexAsync();

        var index = IndexFile.Read(_harness.Files, _harness.Data.IndexFile)!;
        Assert.Equal(store.Version, index.Version);
        Assert.Equal(0, _harness.Files.FileInfo.New(_harness.Data.JournalFile).Length);
        foreach (var status in ItemStatuses.All)
        {
            var expected = items.Append(late).Select(item => store.Get(item.ItemId)).OfType<Item>().Where(item => item.Status == status)
                .OrderBy(item => item.CreatedAt).ThenBy(item => item.ItemId).ToList();
            Assert.Equal(expected.Select(item => item.ItemId), index.State(status).Keys);
            Assert.All(expected, item => ItemAssert.Same(item, index.State(status)[item.ItemId]));
        }
    }

    [Fact]
    public async Task A_clean_reopen_takes_the_journal_changes_made_after_the_snapshot()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        await store.WriteIndexAsync();
        var failed = await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.FinishedWithErrors, Errors = ["ffmpeg said no"] });
        var added = await _harness.AddAsync(store);

        var reopened = new ItemStore(_harness.Data, _harness.Files, TimeProvider.System, new MediaBroker.Broker.Configuration.BrokerSettings(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ItemStore>.Instance);
        await reopened.OpenAsync(previousRunStoppedCleanly: true);

        ItemAssert.Same(failed, reopened.Get(item.ItemId));
        ItemAssert.Same(added, reopened.Get(added.ItemId));
        Assert.Equal(store.Version, reopened.Version);
        Assert.Equal(new QueueDepthCount(1, 1), new QueueDepthCount(reopened.Depth().ToDo, reopened.Depth().FinishedWithErrors));
    }

    private sealed record QueueDepthCount(int ToDo, int Failed);
}
