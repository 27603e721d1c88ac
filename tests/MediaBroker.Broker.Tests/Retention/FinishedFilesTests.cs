using System.Net;
using System.Net.Http.Json;
using MediaBroker.Broker.Retention;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Retention;

/// <summary>
/// A finished item does not live on the broker forever: its files go keep_finished_hours after its client said it
/// placed the output, or keep_failed_days after it finished when nobody fetched or retried it; its record stays.
/// Real conversions on a real broker; only its clock is moved by hand.
/// </summary>
public sealed class FinishedFilesTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("retention");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RunningBroker _broker = null!;

    private string DataPath => _folder.Combine("data");

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(DataPath, time: _clock);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<(string Image, Item Item)> ConvertedImageAsync(int seed)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine($"i{seed}.png"), seed: seed);
        using var response = await _broker.PostMultipartAsync(image);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var finished = await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        return (image, finished);
    }

    private async Task<(string Video, Item Item)> FailedVideoAsync()
    {
        var video = await TestMedia.BrokenVideoAsync(_folder.Combine("broken.mkv"));
        using var response = await _broker.PostMultipartAsync(video);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var failed = await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        return (video, failed);
    }

    private Task<HttpResponseMessage> MarkFetchedAsync(Guid itemId) => _broker.Http.PostAsync($"api/items/{itemId:D}/fetched", null);

    /// <summary>
    /// Moves the broker's clock, then sweeps: the sweeper's own timer may sweep at the same moment, and one that
    /// finds an item taken by the other waits for its lock, so that after this every item due has lost its files.
    /// </summary>
    private async Task AdvanceAndSweepAsync(TimeSpan by)
    {
        _clock.Advance(by);
        await _broker.Services.GetRequiredService<FinishedFilesSweeper>().SweepAsync();
    }

    private string[] FilesOf(Item item) =>
        Directory.GetFiles(_broker.Store.FolderOf(_broker.Store.Get(item.ItemId)!)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private async Task<KeptFiles> KeptAsync() =>
        (await _broker.Http.GetFromJsonAsync("api/stats", WireJsonContext.Default.BrokerStats))!.Storage.Kept!;

    [Fact]
    public async Task Fetched_records_the_time_once_and_a_failed_item_has_nothing_to_fetch()
    {
        var (_, item) = await ConvertedImageAsync(1);
        Assert.Null(item.FetchedAt);

        using var first = await MarkFetchedAsync(item.ItemId);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var marked = await first.ReadItemAsync();
        Assert.Equal(_clock.GetUtcNow(), marked.FetchedAt);
        Assert.Equal(marked.FetchedAt, _broker.Store.Get(item.ItemId)!.FetchedAt); // on record, not only in the answer

        _clock.Advance(TimeSpan.FromMinutes(5));
        using var again = await MarkFetchedAsync(item.ItemId);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var unchanged = await again.ReadItemAsync();
        Assert.Equal(marked.FetchedAt, unchanged.FetchedAt);
        Assert.Equal(marked.Version, unchanged.Version);

        var (_, failed) = await FailedVideoAsync();
        using var refused = await MarkFetchedAsync(failed.ItemId);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("this one is in finished_with_errors", await refused.ReadProblemDetailAsync());

        using var unknown = await MarkFetchedAsync(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_fetched_items_files_go_after_keep_finished_hours_and_its_content_is_still_recognised_after_a_restart()
    {
        var (image, item) = await ConvertedImageAsync(2);
        var extension = Path.GetExtension(item.Output!.FileName);
        Assert.Equal(["item.json", "output" + extension], FilesOf(item));
        using (await MarkFetchedAsync(item.ItemId)) { }

        await AdvanceAndSweepAsync(TimeSpan.FromHours(23));
        Assert.Equal(["item.json", "output" + extension], FilesOf(item));

        await AdvanceAndSweepAsync(TimeSpan.FromHours(1));
        Assert.Equal(["item.json"], FilesOf(item));
        var removed = await _broker.Api.GetItemAsync(item.ItemId);
        Assert.Equal(_clock.GetUtcNow(), removed.FilesRemovedAt);
        Assert.Equal(FilesRemovalReason.Fetched, removed.FilesRemovedBecause);
        Assert.Equal(item.Output, removed.Output); // the record still says what the output was
        Assert.Equal(ItemStatus.FinishedSuccessful, removed.Status);

        using (var output = await _broker.Http.GetAsync($"api/items/{item.ItemId}/output"))
        {
            Assert.Equal(HttpStatusCode.Gone, output.StatusCode);
            Assert.Contains("it is in that client's library", await output.ReadProblemDetailAsync());
        }

        await _broker.DisposeAsync();
        _broker = await RunningBroker.StartAsync(DataPath, time: _clock);

        var afterRestart = await _broker.Api.GetItemAsync(item.ItemId);
        Assert.Equal(removed.FilesRemovedAt, afterRestart.FilesRemovedAt);
        Assert.Equal(FilesRemovalReason.Fetched, afterRestart.FilesRemovedBecause);
        Assert.Equal(1, (await KeptAsync()).RemovedItems);
        // The same content again: the item the client placed, not a new conversion.
        using var again = await _broker.PostMultipartAsync(image);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var recognised = await again.ReadItemAsync();
        Assert.Equal(item.ItemId, recognised.ItemId);
        Assert.Equal(afterRestart.Version, recognised.Version);
        Assert.Equal(1, _broker.Store.Depth().Total);
    }

    [Fact]
    public async Task Failed_and_never_fetched_items_lose_their_files_after_keep_failed_days_and_come_again_as_new_items()
    {
        var (image, converted) = await ConvertedImageAsync(3);
        var (video, failed) = await FailedVideoAsync();

        await AdvanceAndSweepAsync(TimeSpan.FromDays(6));
        Assert.Contains("input", FilesOf(failed));

        await AdvanceAndSweepAsync(TimeSpan.FromDays(1));
        Assert.Equal(["item.json"], FilesOf(failed));
        Assert.Equal(["item.json"], FilesOf(converted));
        Assert.Equal(FilesRemovalReason.Failed, _broker.Store.Get(failed.ItemId)!.FilesRemovedBecause);
        Assert.Equal(FilesRemovalReason.NotFetched, _broker.Store.Get(converted.ItemId)!.FilesRemovedBecause);

        using (var retry = await _broker.Http.PostAsync($"api/items/{failed.ItemId}/retry", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
            Assert.Contains("its input was removed from the broker", await retry.ReadProblemDetailAsync());
        }
        using (var output = await _broker.Http.GetAsync($"api/items/{converted.ItemId}/output"))
        {
            Assert.Equal(HttpStatusCode.Gone, output.StatusCode);
            Assert.Contains("no client fetched it within keep_failed_days", await output.ReadProblemDetailAsync());
        }

        // Nobody has these outputs: the same content sent again is a new item, converted anew.
        using var imageAgain = await _broker.PostMultipartAsync(image);
        Assert.Equal(HttpStatusCode.Created, imageAgain.StatusCode);
        var reconverted = await _broker.Api.WaitUntilFinishedAsync((await imageAgain.ReadItemAsync()).ItemId);
        Assert.NotEqual(converted.ItemId, reconverted.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, reconverted.Status);
        Assert.Equal(["item.json", "output" + Path.GetExtension(reconverted.Output!.FileName)], FilesOf(reconverted));
        using var videoAgain = await _broker.PostMultipartAsync(video);
        Assert.Equal(HttpStatusCode.Created, videoAgain.StatusCode);
        // And the content's new item is the one found from now on, not the record.
        using var imageThird = await _broker.PostMultipartAsync(image);
        Assert.Equal(reconverted.ItemId, (await imageThird.ReadItemAsync()).ItemId);
    }

    [Fact]
    public async Task Storage_figures_show_the_bytes_kept_by_reason()
    {
        var (_, fetched) = await ConvertedImageAsync(4);
        var (_, awaiting) = await ConvertedImageAsync(5);
        var (_, failed) = await FailedVideoAsync();
        using (await MarkFetchedAsync(fetched.ItemId)) { }

        var kept = await KeptAsync();
        Assert.Equal(new KeptFiles(0, awaiting.Output!.FileSize, fetched.Output!.FileSize, failed.FileSize, 0), kept);

        await AdvanceAndSweepAsync(TimeSpan.FromHours(24));
        Assert.Equal(new KeptFiles(0, awaiting.Output.FileSize, 0, failed.FileSize, 1), await KeptAsync());
        var stats = await _broker.Http.GetFromJsonAsync("api/stats", WireJsonContext.Default.BrokerStats);
        Assert.Equal(awaiting.Output.FileSize + failed.FileSize, stats!.Storage.UsedBytes - stats.Storage.ThumbnailBytes);
    }
}
