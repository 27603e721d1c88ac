using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>What ffprobe's answer (captured from ffmpeg 5.1, see Captured/) is taken to be.</summary>
public sealed class ProbeReportTests
{
    private static string Captured(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Media", "Captured", name));

    [Fact]
    public void A_video_with_sound_and_subtitles_is_video_with_every_stream_listed()
    {
        var (media, problem) = ProbeReport.Parse(Captured("ffprobe-holiday-mkv.json"));

        Assert.Null(problem);
        Assert.Equal(MediaTypes.Video, media!.Type);
        Assert.Equal("matroska,webm", media.Container);
        Assert.Equal(1.007, media.DurationSeconds);
        Assert.Equal((320, 240), (media.Width, media.Height));
        Assert.Equal(["video", "audio", "subtitle"], media.Streams.Select(stream => stream.Type));
        Assert.Equal(["h264", "opus", "subrip"], media.Streams.Select(stream => stream.Codec));
        Assert.Equal("eng", media.Streams[2].Language);
        Assert.Equal("Director's commentary", media.Streams[1].Title);
    }

    [Fact]
    public void A_song_with_a_cover_picture_is_audio_not_video()
    {
        var (media, _) = ProbeReport.Parse(Captured("ffprobe-song-mp3.json"));

        Assert.Equal(MediaTypes.Audio, media!.Type);
        Assert.Equal(1.044898, media.DurationSeconds);
        Assert.Null(media.Width);
        Assert.Equal(["audio", "video"], media.Streams.Select(stream => stream.Type));
    }

    [Fact]
    public void A_picture_is_an_image_with_its_size_and_no_duration()
    {
        var (media, _) = ProbeReport.Parse(Captured("ffprobe-cover-png.json"));

        Assert.Equal(MediaTypes.Image, media!.Type);
        Assert.Equal((32, 24), (media.Width, media.Height));
        Assert.Null(media.DurationSeconds);
    }

    [Fact]
    public void A_file_ffmpeg_reads_but_without_sound_or_picture_is_refused_with_the_reason()
    {
        var (media, problem) = ProbeReport.Parse(Captured("ffprobe-cap-srt.json"));

        Assert.Null(media);
        Assert.Equal("the file holds no audio, image or video stream", problem);
    }

    [Theory]
    [InlineData("", "ffprobe gave no readable answer for this file")]
    [InlineData("{\"streams\": [", "ffprobe gave no readable answer for this file")]
    [InlineData("{\"streams\": []}", "this is not a media file ffmpeg can read")]
    [InlineData("{\"format\": {}}", "this is not a media file ffmpeg can read")]
    [InlineData("{\"streams\": [{\"index\": \"zero\"}], \"format\": {\"format_name\": \"mov\"}}", "ffprobe gave no readable answer for this file")]
    public void An_answer_that_is_not_a_media_report_is_a_reason_not_a_crash(string json, string reason)
    {
        var (media, problem) = ProbeReport.Parse(json);

        Assert.Null(media);
        Assert.Equal(reason, problem);
    }

    [Fact]
    public void A_duration_that_is_not_a_number_is_left_unknown()
    {
        var json = """{"streams": [{"index": 0, "codec_type": "audio", "codec_name": "flac"}], "format": {"format_name": "flac", "duration": "N/A"}}""";

        var (media, _) = ProbeReport.Parse(json);

        Assert.Equal(MediaTypes.Audio, media!.Type);
        Assert.Null(media.DurationSeconds);
    }
}
