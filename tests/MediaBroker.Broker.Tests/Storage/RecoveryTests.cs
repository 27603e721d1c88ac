using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>Start-up reconciliation of index.json with the item folders, on an in-memory disk unless the real one matters.</summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private string[] LostAndFound() => _harness.FilesIn(_harness.Data.LostAndFound);

    [Fact]
    public async Task Items_found_in_progress_go_back_to_to_do_without_their_partial_output()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var running = await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress, Progress = 0.3 });
        var folder = _harness.Data.ItemFolder(running!);
        _harness.Files.File.WriteAllText(Path.Combine(folder, ItemFiles.PartialOutput("mkv")), "half a film");

        var reopened = await _harness.OpenAsync();

        var recovered = reopened.Get(item.ItemId)!;
        Assert.Equal(ItemStatus.ToDo, recovered.Status);
        Assert.Null(recovered.Progress);
        Assert.True(recovered.Version > running!.Version);
        Assert.Equal(["input", "item.json"], _harness.FilesIn(_harness.Data.ItemFolder(recovered)));
        Assert.Empty(_harness.FilesIn(_harness.Data.StateFolder(ItemStatus.InProgress)));
    }

    [Fact]
    public async Task Half_written_temporary_files_are_removed()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var folder = _harness.Data.ItemFolder(item);
        _harness.Files.File.WriteAllText(Path.Combine(folder, ".item.json.0123abcd.tmp"), "{ \"item_id\": ");
        _harness.Files.File.WriteAllText(Path.Combine(_harness.Data.Root, ".index.json.4567.tmp"), "{ \"version\"");

        var reopened = await _harness.OpenAsync();

        ItemAssert.Same(item, reopened.Get(item.ItemId));
        Assert.Equal(["input", "item.json"], _harness.FilesIn(folder));
        Assert.DoesNotContain(_harness.FilesIn(_harness.Data.Root), name => name.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task What_cannot_be_explained_is_kept_aside_and_never_deleted()
    {
        var store = await _harness.OpenAsync();
        var good = await _harness.AddAsync(store);
        var toDo = _harness.Data.StateFolder(ItemStatus.ToDo);
        _harness.Files.File.WriteAllText(Path.Combine(toDo, "stray.mp4"), "someone's file");
        _harness.Files.Directory.CreateDirectory(Path.Combine(toDo, "not-an-id"));
        var noMetadata = Path.Combine(toDo, Guid.NewGuid().ToString());
        _harness.Files.Directory.CreateDirectory(noMetadata);
        _harness.Files.File.WriteAllText(Path.Combine(noMetadata, "input"), "precious");
        var corrupt = Path.Combine(_harness.Data.StateFolder(ItemStatus.FinishedSuccessful), Guid.NewGuid().ToString());
        _harness.Files.Directory.CreateDirectory(corrupt);
        _harness.Files.File.WriteAllText(Path.Combine(corrupt, "item.json"), "{ not json");

        var reopened = await _harness.OpenAsync();

        Assert.Equal([good.ItemId], reopened.List(new ItemQuery()).Items.Select(item => item.ItemId));
        var kept = LostAndFound();
        Assert.Equal(4, kept.Length);
        Assert.Contains(kept, name => name.EndsWith("stray.mp4", StringComparison.Ordinal));
        var keptInput = _harness.Files.Directory.EnumerateFiles(_harness.Data.LostAndFound, "input", SearchOption.AllDirectories).Single();
        Assert.Equal("precious", _harness.Files.File.ReadAllText(keptInput));
    }

    [Fact]
    public async Task A_missing_index_is_rebuilt_from_the_folders()
    {
        var store = await _harness.OpenAsync();
        var items = new[] { await _harness.AddAsync(store), await _harness.AddAsync(store) };
        await store.UpdateAsync(items[1].ItemId, current => current with { Status = ItemStatus.FinishedWithErrors, Errors = ["x"] });
        _harness.Files.File.Delete(_harness.Data.IndexFile);

        var reopened = await _harness.OpenAsync();

        Assert.Equal(ItemStatus.ToDo, reopened.Get(items[0].ItemId)!.Status);
        Assert.Equal(["x"], reopened.Get(items[1].ItemId)!.Errors);
        Assert.True(_harness.Files.File.Exists(_harness.Data.IndexFile));
    }

    [Fact]
    public async Task A_corrupt_index_is_kept_aside_and_rebuilt()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        await _harness.Files.File.WriteAllTextAsync(_harness.Data.IndexFile, "{ \"version\": 3, \"to_do\": { \"abc");

        var reopened = await _harness.OpenAsync();

        ItemAssert.Same(item, reopened.Get(item.ItemId));
        Assert.Contains(LostAndFound(), name => name.EndsWith("index.json", StringComparison.Ordinal));
        Assert.NotNull(IndexFile.Read(_harness.Files, _harness.Data.IndexFile));
    }

    [Fact]
    public async Task Changes_made_after_the_last_index_snapshot_are_read_from_the_item_folders()
    {
        // On a real disk: what is read again is decided by the folders' modification times, which only a real disk keeps.
        using var real = new StoreHarness(Disk.Real);
        var store = await real.OpenAsync();
        var item = await real.AddAsync(store);
        await store.WriteIndexAsync();
        // These changes happen after the snapshot, as if the broker was killed before its next index write.
        await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress });
        var failed = await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.FinishedWithErrors, Errors = ["ffmpeg said no"] });
        var added = await real.AddAsync(store);

        var reopened = await real.OpenAsync();

        ItemAssert.Same(failed, reopened.Get(item.ItemId));
        ItemAssert.Same(added, reopened.Get(added.ItemId));
        Assert.True(reopened.Version >= store.Version);
    }

    [Fact]
    public async Task An_item_whose_folder_vanished_is_dropped_from_the_index()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        await store.WriteIndexAsync();
        _harness.Files.Directory.Delete(_harness.Data.ItemFolder(item), recursive: true);

        var reopened = await _harness.OpenAsync();

        Assert.Null(reopened.Get(item.ItemId));
        Assert.True(reopened.Version > store.Version);
    }

    [Fact]
    public async Task Leftovers_in_trash_are_cleared()
    {
        var store = await _harness.OpenAsync();
        var trashed = _harness.Files.Directory.CreateDirectory(Path.Combine(_harness.Data.Trash, Guid.NewGuid().ToString())).FullName;
        _harness.Files.File.WriteAllText(Path.Combine(trashed, "input"), "deleted item");

        await _harness.OpenAsync();

        Assert.Empty(_harness.FilesIn(_harness.Data.Trash));
    }

    [Fact]
    public async Task A_clean_reopen_reads_the_index_and_finds_every_item_unchanged()
    {
        var store = await _harness.OpenAsync();
        var items = new List<Item>();
        for (var i = 0; i < 20; i++) items.Add(await _harness.AddAsync(store));
        await store.WriteIndexAsync();

        var reopened = await _harness.OpenAsync();

        Assert.Equal(store.Version, reopened.Version);
        Assert.All(items, item => ItemAssert.Same(item, reopened.Get(item.ItemId)));
    }

    [Fact]
    public async Task An_index_reformatted_by_hand_is_still_read()
    {
        var store = await _harness.OpenAsync();
        var items = new[] { await _harness.AddAsync(store, fileName: "a \"quoted\" name.mkv"), await _harness.AddAsync(store) };
        await store.UpdateAsync(items[1].ItemId, current => current with { Status = ItemStatus.FinishedWithErrors, Errors = ["\"to_do\":{ in a message"] });
        await store.WriteIndexAsync();
        var fast = IndexFile.Read(_harness.Files, _harness.Data.IndexFile)!;

        var pretty = System.Text.Json.Nodes.JsonNode.Parse(_harness.Files.File.ReadAllText(_harness.Data.IndexFile))!
            .ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        _harness.Files.File.WriteAllText(_harness.Data.IndexFile, pretty);
        var slow = IndexFile.Read(_harness.Files, _harness.Data.IndexFile)!;

        Assert.Equal(fast.Version, slow.Version);
        foreach (var document in new[] { fast, slow })
        {
            ItemAssert.Same(store.Get(items[0].ItemId), document.ToDo[items[0].ItemId]);
            ItemAssert.Same(store.Get(items[1].ItemId), document.FinishedWithErrors[items[1].ItemId]);
            Assert.Empty(document.InProgress);
        }
    }
}
