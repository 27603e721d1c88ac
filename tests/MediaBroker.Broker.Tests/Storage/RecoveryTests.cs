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

    /// <summary>What the store journals before it touches an item's folder: a crash simulated by hand right after must leave it too.</summary>
    private void ChangeUnderWay(Guid itemId) =>
        _harness.Files.File.AppendAllText(_harness.Data.JournalFile, System.Text.Encoding.UTF8.GetString(JournalLine.Intent(itemId)));

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
        ChangeUnderWay(item.ItemId);
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
    public async Task Changes_a_crash_kept_off_the_journal_are_read_from_the_item_folders()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var untouched = await _harness.AddAsync(store);
        var moved = await _harness.AddAsync(store);
        await store.WriteIndexAsync();
        // Changed in place (its folder stays in to_do) and moved; then the broker is killed after each change was
        // announced but before it was journaled: the journal keeps the intents and loses the change lines.
        var noted = await store.UpdateAsync(item.ItemId, current => current with { Errors = ["a note"] });
        var failed = await store.UpdateAsync(moved.ItemId, current => current with { Status = ItemStatus.FinishedWithErrors, Errors = ["ffmpeg said no"] });
        var journal = _harness.Files.File.ReadAllLines(_harness.Data.JournalFile);
        _harness.Files.File.WriteAllLines(_harness.Data.JournalFile, journal.Where(line => line.StartsWith("{\"intent\"", StringComparison.Ordinal)));

        var reopened = await _harness.OpenAsync();

        ItemAssert.Same(noted, reopened.Get(item.ItemId));
        ItemAssert.Same(failed, reopened.Get(moved.ItemId));
        ItemAssert.Same(untouched, reopened.Get(untouched.ItemId));
        Assert.True(reopened.Version >= store.Version);
        Assert.Equal(reopened.Version, IndexFile.ReadWithJournal(_harness.Files, _harness.Data)!.Version);
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

    [Fact]
    public async Task A_finish_on_record_whose_folder_had_not_moved_yet_is_completed_at_the_next_start_not_converted_again()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var running = (await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress }))!;
        // As a stop right after item.json recorded the finish, before the folder moved: the output whole beside it.
        var folder = _harness.Data.ItemFolder(running);
        _harness.Files.File.WriteAllText(Path.Combine(folder, "output.mkv"), "the converted film");
        var output = new ItemOutput("clip.mkv", MediaBroker.Shared.Hashing.Sha512Hex.Of("the converted film"u8), 18);
        var recorded = running with { Status = ItemStatus.FinishedSuccessful, Output = output, Version = running.Version + 1 };
        _harness.Files.File.WriteAllText(Path.Combine(folder, ItemFiles.Metadata), System.Text.Json.JsonSerializer.Serialize(recorded, MediaBroker.Shared.Json.WireJsonContext.Default.Item));

        var reopened = await _harness.OpenAsync();

        var finished = reopened.Get(item.ItemId)!;
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(output, finished.Output);
        Assert.Equal("the converted film", _harness.Files.File.ReadAllText(Path.Combine(_harness.Data.ItemFolder(finished), "output.mkv")));
        Assert.Empty(_harness.FilesIn(_harness.Data.StateFolder(ItemStatus.InProgress)));
    }

    [Fact]
    public async Task A_finish_on_record_whose_output_is_not_whole_is_converted_again()
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var running = (await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress }))!;
        var folder = _harness.Data.ItemFolder(running);
        _harness.Files.File.WriteAllText(Path.Combine(folder, "output.mkv"), "the converted fi");
        var recorded = running with
        {
            Status = ItemStatus.FinishedSuccessful, Version = running.Version + 1,
            Output = new ItemOutput("clip.mkv", MediaBroker.Shared.Hashing.Sha512Hex.Of("the converted film"u8), 18),
        };
        _harness.Files.File.WriteAllText(Path.Combine(folder, ItemFiles.Metadata), System.Text.Json.JsonSerializer.Serialize(recorded, MediaBroker.Shared.Json.WireJsonContext.Default.Item));

        var reopened = await _harness.OpenAsync();

        var requeued = reopened.Get(item.ItemId)!;
        Assert.Equal(ItemStatus.ToDo, requeued.Status);
        Assert.Null(requeued.Output);
        Assert.Equal(["input", "item.json"], _harness.FilesIn(_harness.Data.ItemFolder(requeued)));
    }

    [Fact]
    public async Task A_finished_folder_whose_item_json_was_never_updated_is_converted_again_not_left_without_output()
    {
        // What a broker that moved the folder before writing item.json left when it was killed between the two.
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var running = (await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress }))!;
        _harness.Files.File.WriteAllText(Path.Combine(_harness.Data.ItemFolder(running), "output.mkv"), "the converted film");
        _harness.Files.Directory.Move(_harness.Data.ItemFolder(running), _harness.Data.ItemFolder(ItemStatus.FinishedSuccessful, item.ItemId));

        var reopened = await _harness.OpenAsync();

        var requeued = reopened.Get(item.ItemId)!;
        Assert.Equal(ItemStatus.ToDo, requeued.Status);
        Assert.Null(requeued.Output);
        Assert.Equal(["input", "item.json"], _harness.FilesIn(_harness.Data.ItemFolder(requeued)));
        Assert.Empty(reopened.List(new ItemQuery { Status = ItemStatus.FinishedSuccessful }).Items);
    }

    [Theory]
    [InlineData(ItemStatus.FinishedWithErrors, ItemStatus.ToDo)]
    [InlineData(ItemStatus.InProgress, ItemStatus.FinishedWithErrors)]
    [InlineData(ItemStatus.ToDo, ItemStatus.InProgress)]
    public async Task A_move_on_record_that_a_stop_interrupted_is_completed_at_the_next_start(ItemStatus from, ItemStatus recordedTo)
    {
        var store = await _harness.OpenAsync();
        var item = await _harness.AddAsync(store);
        var before = from == ItemStatus.ToDo ? item : (await store.UpdateAsync(item.ItemId, current => current with { Status = from, Errors = ["x"] }))!;
        var recorded = before with { Status = recordedTo, Version = before.Version + 1 };
        ChangeUnderWay(item.ItemId);
        _harness.Files.File.WriteAllText(Path.Combine(_harness.Data.ItemFolder(before), ItemFiles.Metadata),
            System.Text.Json.JsonSerializer.Serialize(recorded, MediaBroker.Shared.Json.WireJsonContext.Default.Item));

        var reopened = await _harness.OpenAsync();

        // A claim or a conversion on record starts again from to_do; any other move ends where it was going.
        var expected = recordedTo == ItemStatus.InProgress ? ItemStatus.ToDo : recordedTo;
        var settled = reopened.Get(item.ItemId)!;
        Assert.Equal(expected, settled.Status);
        Assert.True(_harness.Files.Directory.Exists(_harness.Data.ItemFolder(expected, item.ItemId)));
        Assert.Equal(1, ItemStatuses.All.Count(status => _harness.Files.Directory.Exists(_harness.Data.ItemFolder(status, item.ItemId))));
    }
}
