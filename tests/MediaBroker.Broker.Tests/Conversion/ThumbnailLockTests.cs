using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>A thumbnail being made does not hold up its item: ffmpeg runs without the item's lock. (A regression of issue 9.)</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ThumbnailLockTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("thumbnail-lock");
    private readonly BrokerFleet _brokers;

    public ThumbnailLockTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task An_item_can_be_deleted_while_its_thumbnail_is_still_being_made()
    {
        var ffmpeg = GatedProgram.Write(_folder, "ffmpeg", match: "/thumbnails/.");
        var broker = await _brokers.StartAsync(settings => settings with { FfmpegPath = ffmpeg.Path });
        var clip = await TestMedia.VideoAsync(_folder.Combine("dog.mkv"), seconds: 1, audio: false, seed: 92);
        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(clip,
            fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" })).ReadItemAsync()).ItemId);
        var thumbnail = broker.Http.GetAsync($"api/items/{item.ItemId}/thumbnail?w=64");
        await Eventually.TrueAsync(() => ffmpeg.HasStarted, "ffmpeg to take the picture");

        await broker.Api.DeleteAsync(item.ItemId).WaitAsync(Eventually.DefaultLimit);

        ffmpeg.Open();
        using var answer = await thumbnail;
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }
}
