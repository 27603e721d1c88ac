using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>Cover art and tags inside video and audio files, and the thorough output check (verify: decode).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PicturesInMediaTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("pictures-in-media");
    private readonly BrokerFleet _brokers;

    public PicturesInMediaTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    private static JsonElement[] Streams(string probeJson) =>
        JsonDocument.Parse(probeJson).RootElement.GetProperty("streams").EnumerateArray().Select(stream => stream.Clone()).ToArray();

    private static bool IsCover(JsonElement stream) => stream.GetProperty("disposition").GetProperty("attached_pic").GetInt32() == 1;

    private async Task<string> DownloadAsync(RunningBroker broker, Item item)
    {
        Assert.True(item.Status == ItemStatus.FinishedSuccessful, string.Join("; ", item.Errors));
        return _folder.WriteFile($"{item.ItemId:N}-{item.Output!.FileName}", await broker.Http.GetByteArrayAsync($"api/items/{item.ItemId}/output"));
    }

    [Fact]
    public async Task An_mp4_with_cover_art_becomes_an_mkv_whose_cover_is_still_an_attached_picture()
    {
        var cover = await TestPictures.RotatedJpegAsync(_folder.Combine("cover.jpg"));
        var film = _folder.Combine("film.mp4");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
            "-i", cover, "-map", "0", "-map", "1", "-map", "2", "-c:v:0", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:v:1", "copy",
            "-disposition:v:1", "attached_pic", film]);
        var broker = await _brokers.StartAsync();

        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(film)).ReadItemAsync()).ItemId);

        Assert.Equal(MediaTypes.Video, item.Media!.Type);
        Assert.Single(item.Media.Streams, stream => stream.CoverArt);
        var streams = Streams(await TestMedia.ProbeAsync(await DownloadAsync(broker, item)));
        var videos = streams.Where(stream => stream.GetProperty("codec_type").GetString() == "video").ToList();
        var track = Assert.Single(videos, stream => !IsCover(stream));
        Assert.Equal("hevc", track.GetProperty("codec_name").GetString());
        var attached = Assert.Single(videos, IsCover);
        Assert.Equal("mjpeg", attached.GetProperty("codec_name").GetString());
        Assert.Equal("cover.jpg", attached.GetProperty("tags").GetProperty("filename").GetString());
        Assert.Equal(await File.ReadAllBytesAsync(cover), await ExtractCoverAsync(await DownloadAsync(broker, item), attached.GetProperty("index").GetInt32()));
        DataFolderAssert.NoPartialFiles(broker.Store.Data, whileRunning: true);
    }

    private async Task<byte[]> ExtractCoverAsync(string mkv, int index)
    {
        var target = _folder.Combine($"cover-{Guid.NewGuid():N}.jpg");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-i", mkv, "-map", $"0:{index}", "-c", "copy", "-frames:v", "1", "-f", "image2", target]);
        return await File.ReadAllBytesAsync(target);
    }

    [Fact]
    public async Task A_song_keeps_its_tags_in_opus()
    {
        var cover = await TestMedia.ImageAsync(_folder.Combine("art.png"), size: "64x64", seed: 8);
        var song = _folder.Combine("song.mp3");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1",
            "-c:a", "libmp3lame", "-c:v", "png", "-disposition:v:0", "attached_pic", "-metadata", "title=Sea Song", "-metadata", "artist=The Waves", song]);
        var broker = await _brokers.StartAsync();

        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(song)).ReadItemAsync()).ItemId);

        Assert.Equal(MediaTypes.Audio, item.Media!.Type);
        var probe = JsonDocument.Parse(await TestMedia.RunAsync("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", await DownloadAsync(broker, item)])).RootElement;
        var audio = probe.GetProperty("streams").EnumerateArray().Single(stream => stream.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("opus", audio.GetProperty("codec_name").GetString());
        // Ogg Opus keeps tags on the stream (Vorbis comments).
        var tags = audio.GetProperty("tags");
        Assert.Equal("Sea Song", tags.EnumerateObject().Single(tag => tag.Name.Equals("title", StringComparison.OrdinalIgnoreCase)).Value.GetString());
        Assert.Equal("The Waves", tags.EnumerateObject().Single(tag => tag.Name.Equals("artist", StringComparison.OrdinalIgnoreCase)).Value.GetString());
    }

    [Fact]
    public async Task Verify_decode_fails_an_output_that_does_not_decode_cleanly_and_is_only_run_when_asked()
    {
        // A stand-in ffmpeg that runs the real one, but reports a damaged frame when asked to decode to nowhere (-f null).
        var log = _folder.Combine("ffmpeg-calls.log");
        var ffmpeg = _folder.WriteScript("ffmpeg-with-a-damaged-frame", $$"""
            #!/bin/bash
            echo "$*" >> "{{log}}"
            case " $* " in
              *" -f null "*) echo "[hevc @ 0x1] Could not find ref with POC 7" >&2; exit 0 ;;
            esac
            exec ffmpeg "$@"
            """);
        var broker = await _brokers.StartAsync(settings => settings with
        {
            FfmpegPath = ffmpeg,
            ConversionTypes = new Dictionary<string, ConversionProfile>(settings.ConversionTypes)
            {
                ["mkv_checked"] = settings.ConversionTypes["mkv_x264"] with { Verify = ConversionProfile.VerifyDecode },
            },
        });
        var clip = await TestMedia.VideoAsync(_folder.Combine("clip.mkv"), seconds: 1, audio: false, seed: 71);

        var plain = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(clip,
            fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" })).ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, plain.Status);
        Assert.DoesNotContain(File.ReadAllLines(log), line => line.Contains(" -f null ", StringComparison.Ordinal));

        var checkedItem = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(clip,
            fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_checked" })).ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, checkedItem.Status);
        Assert.Equal("the output does not decode cleanly (verify: decode): [hevc @ 0x1] Could not find ref with POC 7", checkedItem.Errors[0]);
        DataFolderAssert.NoPartialFiles(broker.Store.Data, whileRunning: true);
    }
}
