using System.Net;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using NetVips;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>
/// Thumbnails cannot be turned against the broker: sizes snap to a few steps, only a few are made at once whoever asks,
/// and what is kept is counted in used_bytes, bounded, and goes with its item.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ThumbnailTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("thumbnails");
    private readonly BrokerFleet _brokers;

    public ThumbnailTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task<Item> ConvertAsync(RunningBroker broker, string path, string? conversionType = null)
    {
        var fields = conversionType is null ? null : new Dictionary<string, string> { ["conversion_type"] = conversionType };
        return await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(path, fields: fields)).ReadItemAsync()).ItemId);
    }

    [Fact]
    public async Task Thirty_nine_sizes_asked_make_at_most_one_file_per_step_each_fitting_its_step()
    {
        var broker = await _brokers.StartAsync();
        var picture = await ConvertAsync(broker, await TestPictures.RotatedJpegAsync(_folder.Combine("portrait.jpg")));
        var before = (await broker.Api.GetServerAsync()).UsedBytes;

        foreach (var width in Enumerable.Range(0, 39).Select(i => 16 + i * 60))
        {
            using var response = await broker.Http.GetAsync($"api/items/{picture.ItemId}/thumbnail?w={width}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var thumbnail = Image.NewFromBuffer(await response.Content.ReadAsByteArrayAsync());
            var step = ThumbnailSizes.Snap(width, null);
            // The picture is 1000x2000 the right way up: its height fills the step, never beyond the picture's own size.
            Assert.Equal(Math.Min(step, 2000), thumbnail.Height);
        }

        var kept = Directory.GetFiles(broker.Store.Data.Thumbnails);
        Assert.InRange(kept.Length, 1, ThumbnailSizes.Steps.Count);
        Assert.Equal(before + kept.Sum(path => new FileInfo(path).Length), (await broker.Api.GetServerAsync()).UsedBytes);
    }

    [Fact]
    public async Task The_cache_stays_within_its_bound_and_an_item_takes_its_thumbnails_along_when_deleted()
    {
        var broker = await _brokers.StartAsync(settings => settings with { ThumbnailCacheBytes = 12_000 });
        var items = new List<Item>();
        for (var seed = 0; seed < 4; seed++)
            items.Add(await ConvertAsync(broker, await TestMedia.ImageAsync(_folder.Combine($"p{seed}.png"), size: "640x480", seed: 300 + seed)));

        foreach (var item in items)
            foreach (var side in new[] { 160, 320 })
            {
                using var response = await broker.Http.GetAsync($"api/items/{item.ItemId}/thumbnail?w={side}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True(Directory.GetFiles(broker.Store.Data.Thumbnails).Sum(path => new FileInfo(path).Length) <= 12_000);
            }

        var last = items[^1];
        Assert.Contains(Directory.GetFiles(broker.Store.Data.Thumbnails), path => Path.GetFileName(path).StartsWith(last.ItemId.ToString("N"), StringComparison.Ordinal));
        await broker.Api.DeleteAsync(last.ItemId);
        Assert.DoesNotContain(Directory.GetFiles(broker.Store.Data.Thumbnails), path => Path.GetFileName(path).StartsWith(last.ItemId.ToString("N"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sixteen_requests_at_once_run_only_a_few_ffmpeg_at_a_time_and_all_get_their_thumbnail()
    {
        // A stand-in ffmpeg that notes how many thumbnail runs are under way each time one starts.
        var running = Directory.CreateDirectory(_folder.Combine("running")).FullName;
        var log = _folder.Combine("concurrency.log");
        var ffmpeg = _folder.WriteScript("ffmpeg-counting", $$"""
            #!/bin/bash
            case "${@: -1}" in
              */thumbnails/.*)
                touch "{{running}}/$$"
                ls "{{running}}" | wc -l >> "{{log}}"
                sleep 0.3
                ffmpeg "$@"; status=$?
                rm -f "{{running}}/$$"
                exit $status ;;
            esac
            exec ffmpeg "$@"
            """);
        var broker = await _brokers.StartAsync(settings => settings with { FfmpegPath = ffmpeg });
        var clips = new List<Item>();
        for (var seed = 0; seed < 4; seed++)
            clips.Add(await ConvertAsync(broker, await TestMedia.VideoAsync(_folder.Combine($"c{seed}.mkv"), seconds: 1, audio: false, seed: 400 + seed), "mkv_x264"));

        var requests = Enumerable.Range(0, 16).Select(i => broker.Http.GetAsync($"api/items/{clips[i % 4].ItemId}/thumbnail?w={80 << (i / 4)}")).ToList();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var counts = File.ReadAllLines(log).Select(int.Parse).ToList();
        Assert.Equal(16, counts.Count);
        Assert.InRange(counts.Max(), 1, ThumbnailMaker.AtOnce);
        foreach (var response in responses) response.Dispose();
    }
}
