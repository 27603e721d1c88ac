using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>Real ffmpeg on tiny generated media, end to end through the HTTP API.</summary>
public sealed class ConversionTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("convert");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> ConvertAsync(string path, string? conversionType = null)
    {
        var fields = conversionType is null ? null : new Dictionary<string, string> { ["conversion_type"] = conversionType };
        var response = await _broker.PostMultipartAsync(path, fields: fields);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
    }

    private async Task<JsonElement> ProbeOutputAsync(Item item)
    {
        var path = _folder.Combine("out", item.Output!.FileName + Guid.NewGuid().ToString("N") + Path.GetExtension(item.Output.FileName));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, await _broker.Http.GetByteArrayAsync($"api/items/{item.ItemId}/output"));
        return JsonDocument.Parse(await TestMedia.ProbeAsync(path)).RootElement.Clone();
    }

    private static string[] Codecs(JsonElement probe, string type) => probe.GetProperty("streams").EnumerateArray()
        .Where(stream => stream.GetProperty("codec_type").GetString() == type)
        .Select(stream => stream.GetProperty("codec_name").GetString()!).ToArray();

    [Fact]
    public async Task A_clip_with_audio_and_subtitles_becomes_hevc_mkv_keeping_both_other_streams()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("film.mkv"), seconds: 2, audio: true, subtitles: true);

        var item = await ConvertAsync(clip);

        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
        Assert.Equal("mkv_x265", item.ConversionType);
        Assert.Equal("film.mkv", item.Output!.FileName);
        var probe = await ProbeOutputAsync(item);
        Assert.Equal(["hevc"], Codecs(probe, "video"));
        Assert.Equal(["opus"], Codecs(probe, "audio"));
        Assert.Equal(["subrip"], Codecs(probe, "subtitle"));
        var subtitle = probe.GetProperty("streams").EnumerateArray().Single(stream => stream.GetProperty("codec_type").GetString() == "subtitle");
        Assert.Equal("eng", subtitle.GetProperty("tags").GetProperty("language").GetString());
        Assert.InRange(double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 1.5, 2.5);
        // The input is gone once the verified output is on record.
        await DataFolderAssert.ItemFolderHoldsAsync(_broker.Store, item, "item.json", "output.mkv");
    }

    [Fact]
    public async Task A_phone_style_mov_with_a_timecode_track_and_mp4_subtitles_still_becomes_mkv()
    {
        var srt = _folder.WriteFile("phone.srt", "1\n00:00:00,000 --> 00:00:01,000\nBonjour\n"u8.ToArray());
        var mov = _folder.Combine("phone.mov");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
            "-i", srt, "-map", "0", "-map", "1", "-map", "2", "-timecode", "00:00:00:00", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "mov_text", mov]);
        var source = JsonDocument.Parse(await TestMedia.ProbeAsync(mov)).RootElement;
        Assert.Contains("data", source.GetProperty("streams").EnumerateArray().Select(stream => stream.GetProperty("codec_type").GetString()));

        var item = await ConvertAsync(mov);

        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
        var probe = await ProbeOutputAsync(item);
        Assert.Equal(["hevc"], Codecs(probe, "video"));
        Assert.Equal(["aac"], Codecs(probe, "audio"));
        Assert.Equal(["subrip"], Codecs(probe, "subtitle"));
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("gif")]
    public async Task Pictures_become_webp_of_the_same_size(string extension)
    {
        var picture = await TestMedia.ImageAsync(_folder.Combine($"picture.{extension}"), extension, size: "96x64");

        var item = await ConvertAsync(picture);

        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
        Assert.Equal("image", item.Media!.Type);
        Assert.Equal("picture.webp", item.Output!.FileName);
        var probe = await ProbeOutputAsync(item);
        var video = probe.GetProperty("streams")[0];
        Assert.Equal("webp", video.GetProperty("codec_name").GetString());
        Assert.Equal(96, video.GetProperty("width").GetInt32());
        Assert.Equal(64, video.GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task Audio_becomes_opus()
    {
        var sound = await TestMedia.AudioAsync(_folder.Combine("voice.wav"), seconds: 2);

        var item = await ConvertAsync(sound);

        Assert.Equal("audio", item.Media!.Type);
        Assert.Equal("opus", item.ConversionType);
        Assert.Equal(["opus"], Codecs(await ProbeOutputAsync(item), "audio"));
    }

    [Fact]
    public async Task A_corrupt_video_ends_in_finished_with_errors_with_ffmpegs_reason()
    {
        var broken = await TestMedia.BrokenVideoAsync(_folder.Combine("broken.mkv"));

        var item = await ConvertAsync(broken, "mkv_x264");

        Assert.Equal(ItemStatus.FinishedWithErrors, item.Status);
        Assert.NotEmpty(item.Errors);
        Assert.True(item.Errors[0].StartsWith("ffmpeg failed with exit code", StringComparison.Ordinal)
            || item.Errors[0].Contains("the output lasts", StringComparison.Ordinal)
            || item.Errors[0].Contains("cannot be read back", StringComparison.Ordinal), item.Errors[0]);
        Assert.DoesNotContain(item.Errors, error => error.Contains(_broker.Store.Data.Root, StringComparison.Ordinal));
        DataFolderAssert.NoPartialFiles(_broker.Store.Data, whileRunning: true);
        Assert.True(File.Exists(Path.Combine(_broker.Store.FolderOf(item), ItemFiles.Input)), "a failed item keeps its input for a retry");
    }

    [Fact]
    public async Task With_one_worker_items_are_converted_in_the_order_they_arrived()
    {
        var ids = new List<Guid>();
        for (var seed = 0; seed < 4; seed++)
        {
            var picture = await TestMedia.ImageAsync(_folder.Combine($"fifo{seed}.png"), seed: 500 + seed);
            ids.Add((await (await _broker.PostMultipartAsync(picture)).ReadItemAsync()).ItemId);
        }
        var finished = new List<Item>();
        foreach (var id in ids) finished.Add(await _broker.Api.WaitUntilFinishedAsync(id));
        Assert.Equal(ids, finished.OrderBy(item => item.UpdatedAt).Select(item => item.ItemId));
    }

    [Fact]
    public async Task Thumbnails_are_made_once_per_size_and_kept_in_the_thumbnail_cache()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("thumb.mkv"), seconds: 2, size: "320x240", seed: 9);
        var item = await ConvertAsync(clip, "mkv_x264");

        using var first = await _broker.Http.GetAsync($"api/items/{item.ItemId}/thumbnail?w=160&h=160");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/jpeg", first.Content.Headers.ContentType?.MediaType);
        var jpeg = _folder.WriteFile("thumb.jpg", await first.Content.ReadAsByteArrayAsync());
        var probe = JsonDocument.Parse(await TestMedia.ProbeAsync(jpeg)).RootElement.GetProperty("streams")[0];
        Assert.Equal((160, 120), (probe.GetProperty("width").GetInt32(), probe.GetProperty("height").GetInt32()));

        var cached = Path.Combine(_broker.Store.Data.Thumbnails, $"{item.ItemId:N}-160.jpg");
        var madeAt = File.GetLastWriteTimeUtc(cached);
        using var second = await _broker.Http.GetAsync($"api/items/{item.ItemId}/thumbnail?w=160&h=160");
        Assert.Equal(await File.ReadAllBytesAsync(cached), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(madeAt, File.GetLastWriteTimeUtc(cached));

        // Made by libvips for pictures; 50 asked snaps up to the 80 step.
        var picture = await ConvertAsync(await TestMedia.ImageAsync(_folder.Combine("p.png"), size: "200x100", seed: 10));
        using var scaled = await _broker.Http.GetAsync($"api/items/{picture.ItemId}/thumbnail?w=50");
        Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        var small = JsonDocument.Parse(await TestMedia.ProbeAsync(_folder.WriteFile("small.jpg", await scaled.Content.ReadAsByteArrayAsync())))
            .RootElement.GetProperty("streams")[0];
        Assert.Equal((80, 40), (small.GetProperty("width").GetInt32(), small.GetProperty("height").GetInt32()));

        using var tooBig = await _broker.Http.GetAsync($"api/items/{item.ItemId}/thumbnail?w=100000");
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        var sound = await ConvertAsync(await TestMedia.AudioAsync(_folder.Combine("s.wav"), seed: 3));
        using var noPicture = await _broker.Http.GetAsync($"api/items/{sound.ItemId}/thumbnail");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noPicture.StatusCode);
    }
}
