using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Retention;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Tests.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Retention;

/// <summary>What the sweeper never touches, and a removal a crash cut short; on the store itself, its clock moved by hand.</summary>
public sealed class FinishedFilesSweeperTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly StoreHarness _harness;

    public FinishedFilesSweeperTests() => _harness = new StoreHarness { Time = _clock };

    public void Dispose() => _harness.Dispose();

    private FinishedFilesSweeper SweeperFor(ItemStore store) =>
        new(store, new BrokerSettings(), _clock, NullLogger<FinishedFilesSweeper>.Instance);

    /// <summary>An item converted as a worker would leave it: its output beside item.json, the input gone.</summary>
    private async Task<Item> ConvertedAsync(ItemStore store, bool fetched)
    {
        var item = await _harness.AddAsync(store);
        await store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress });
        var folder = _harness.Data.ItemFolder(ItemStatus.InProgress, item.ItemId);
        _harness.Files.File.WriteAllText(Path.Combine(folder, ItemFiles.Output("mkv")), "the film");
        _harness.Files.File.Delete(Path.Combine(folder, ItemFiles.Input));
        return (await store.UpdateAsync(item.ItemId, current => current with
        {
            Status = ItemStatus.FinishedSuccessful, Output = new ItemOutput("clip.mkv", new string('a', 128), 8),
            FetchedAt = fetched ? _clock.GetUtcNow() : null,
        }))!;
    }

    private string[] FilesOf(ItemStore store, Guid itemId) => _harness.FilesIn(store.FolderOf(store.Get(itemId)!));

    [Fact]
    public async Task Items_waiting_or_being_converted_keep_their_files_however_old()
    {
        var store = await _harness.OpenAsync();
        var waiting = await _harness.AddAsync(store);
        var running = await _harness.AddAsync(store);
        await store.UpdateAsync(running.ItemId, current => current with { Status = ItemStatus.InProgress });
        var converted = await ConvertedAsync(store, fetched: true);

        _clock.Advance(TimeSpan.FromDays(3650));
        await SweeperFor(store).SweepAsync();

        Assert.Equal(["input", "item.json"], FilesOf(store, waiting.ItemId));
        Assert.Equal(["input", "item.json"], FilesOf(store, running.ItemId));
        Assert.Null(store.Get(running.ItemId)!.FilesRemovedAt);
        Assert.Equal(["item.json"], FilesOf(store, converted.ItemId));
    }

    [Fact]
    public async Task An_output_being_downloaded_keeps_its_files_until_the_download_ends()
    {
        var store = await _harness.OpenAsync();
        var converted = await ConvertedAsync(store, fetched: true);
        var sweeper = SweeperFor(store);
        _clock.Advance(TimeSpan.FromDays(2));

        using (store.InUse.Use(converted.ItemId))
        {
            await sweeper.SweepAsync();
            Assert.Equal(["item.json", "output.mkv"], FilesOf(store, converted.ItemId));
        }
        await sweeper.SweepAsync();
        Assert.Equal(["item.json"], FilesOf(store, converted.ItemId));
    }

    [Fact]
    public async Task A_removal_a_crash_cut_short_is_completed_at_the_next_start_and_the_record_says_so()
    {
        var store = await _harness.OpenAsync();
        var converted = await ConvertedAsync(store, fetched: true);
        var folder = store.FolderOf(converted);
        // What RemoveFilesAsync does before the first file goes: the intent in the journal, then the record. Then the stop.
        _harness.Files.File.AppendAllText(_harness.Data.JournalFile, System.Text.Encoding.UTF8.GetString(JournalLine.Intent(converted.ItemId)));
        var recorded = converted with
        {
            Version = converted.Version + 1, FilesRemovedAt = _clock.GetUtcNow(), FilesRemovedBecause = FilesRemovalReason.Fetched,
        };
        await _harness.Files.WriteJsonAtomicallyAsync(Path.Combine(folder, ItemFiles.Metadata), recorded, WireJsonContext.Default.Item);

        var reopened = await _harness.OpenAsync();

        Assert.Equal(["item.json"], _harness.FilesIn(folder));
        var item = reopened.Get(converted.ItemId)!;
        Assert.Equal(recorded.FilesRemovedAt, item.FilesRemovedAt);
        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status); // not "converted again" for a missing output
        Assert.Equal(1, reopened.Kept().RemovedItems);
        Assert.Equal(0, reopened.UsedBytes);
        Assert.Equal(converted.ItemId, reopened.FindByContent(converted.Sha512Checksum, converted.ConversionType, converted.ClientId)?.ItemId);
    }
}
