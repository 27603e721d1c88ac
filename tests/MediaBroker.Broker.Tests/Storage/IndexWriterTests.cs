using MediaBroker.Broker.Storage;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>The index's journal and snapshot written on an in-memory disk that can fill up.</summary>
public sealed class IndexWriterTests : IDisposable
{
    private readonly StoreHarness _harness = new();
    private FaultyFileSystem Disk => (FaultyFileSystem)_harness.Files;

    public void Dispose() => _harness.Dispose();

    /// <summary>Fills the disk so that the change's intent and the item's new item.json still fit but its journal line does not.</summary>
    private async Task<MediaBroker.Shared.Items.Item> ChangeWithJournalRefusedAsync(ItemStore store, Guid itemId)
    {
        var record = Disk.FileInfo.New(Path.Combine(_harness.Data.ItemFolder(store.Get(itemId)!), ItemFiles.Metadata)).Length;
        Disk.SpaceLeft = JournalLine.Intent(itemId).Length + record + 10;
        var changed = await store.UpdateAsync(itemId, current => current);
        Assert.Equal(1, store.Index.Pending);
        return changed!;
    }

    [Fact]
    public async Task A_journal_line_a_full_disk_refused_waits_in_memory_with_nothing_half_written_and_is_written_once_there_is_room()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var before = Disk.File.ReadAllBytes(_harness.Data.JournalFile);
        var writer = new IndexWriter(store, TimeProvider.System, NullLogger<IndexWriter>.Instance);

        var changed = await ChangeWithJournalRefusedAsync(store, item.ItemId);

        Assert.Equal(IndexWriter.RetryDelay, await writer.WriteAsync(CancellationToken.None));
        Assert.Equal(before.Concat(JournalLine.Intent(item.ItemId)), Disk.File.ReadAllBytes(_harness.Data.JournalFile));
        Disk.SpaceLeft = null;
        await writer.WriteAsync(CancellationToken.None);

        Assert.Equal(0, store.Index.Pending);
        var reopened = await _harness.OpenAsync();
        Assert.Equal(changed.Version, reopened.Get(item.ItemId)!.Version);
        Assert.Equal(store.Version, reopened.Version);
    }

    [Fact]
    public async Task A_journal_line_still_waiting_when_a_new_snapshot_lands_is_written_after_it_not_forgotten()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var changed = await ChangeWithJournalRefusedAsync(store, item.ItemId);
        Disk.SpaceLeft = null;

        await store.WriteIndexAsync();

        Assert.Equal(0, store.Index.Pending);
        var index = IndexFile.ReadWithJournal(Disk, _harness.Data)!;
        Assert.Equal(changed.Version, index.ToDo[item.ItemId].Version);
        Assert.Equal(store.Version, index.Version);
        Assert.Equal(changed.Version, (await _harness.OpenAsync()).Get(item.ItemId)!.Version);
    }

    [Fact]
    public async Task A_full_disk_leaves_the_last_snapshot_whole_and_the_journal_keeps_every_change()
    {
        var store = await _harness.OpenAsync();
        var first = await _harness.AddAsync(store);
        await store.WriteIndexAsync();
        var before = Disk.File.ReadAllText(_harness.Data.IndexFile);
        var second = await _harness.AddAsync(store);

        Disk.SpaceLeft = 100;
        await Assert.ThrowsAsync<IOException>(() => store.WriteIndexAsync());
        Assert.Equal(before, Disk.File.ReadAllText(_harness.Data.IndexFile));
        Assert.DoesNotContain(_harness.FilesIn(_harness.Data.Root), name => MediaBroker.Shared.Files.AtomicFile.IsTemporary(name));

        Disk.SpaceLeft = null;
        await store.WriteIndexAsync();
        var index = IndexFile.Read(Disk, _harness.Data.IndexFile)!;
        Assert.Equal(new[] { first.ItemId, second.ItemId }.Order(), index.ToDo.Keys.Order());
    }
}
