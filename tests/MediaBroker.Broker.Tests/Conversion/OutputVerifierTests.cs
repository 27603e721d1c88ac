using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>An output counts only once it matches its input: length for video and sound, size for pictures.</summary>
public sealed class OutputVerifierTests
{
    private static readonly ConversionProfile Mkv = DefaultConversionProfiles.All["mkv_x265"];
    private static readonly ConversionProfile Webp = DefaultConversionProfiles.All["webp"];

    private static MediaInfo Media(string type, double? seconds = null, int? width = null, int? height = null, params string[] streams) => new()
    {
        Type = type,
        Container = "test",
        DurationSeconds = seconds,
        Width = width,
        Height = height,
        Streams = streams.Select((stream, i) => new MediaStream(i, stream, null, null, null)).ToList(),
    };

    [Fact]
    public void A_complete_video_passes()
    {
        Assert.Null(OutputVerifier.FindProblem(Media("video", 120, streams: "video"), Media("video", 120.4, streams: ["video", "audio"]), null, Mkv));
    }

    [Theory]
    [InlineData(100.0, "the output lasts 100 s but the input 120 s; the conversion is incomplete")]
    [InlineData(121.3, "the output lasts 121.3 s but the input 120 s; the conversion is incomplete")]
    [InlineData(null, "the output has no duration; it is not a complete media file")]
    public void A_video_of_another_length_fails_with_both_lengths(double? seconds, string problem)
    {
        Assert.Equal(problem, OutputVerifier.FindProblem(Media("video", 120), Media("video", seconds, streams: "video"), null, Mkv));
    }

    [Fact]
    public void Short_clips_get_half_a_second_of_tolerance()
    {
        Assert.Null(OutputVerifier.FindProblem(Media("audio", 2), Media("audio", 2.45, streams: "audio"), null, Mkv));
        Assert.NotNull(OutputVerifier.FindProblem(Media("audio", 2), Media("audio", 2.6, streams: "audio"), null, Mkv));
    }

    [Fact]
    public void An_output_without_the_stream_that_matters_fails()
    {
        Assert.Equal("the output has no video stream", OutputVerifier.FindProblem(Media("video", 10), Media("video", 10, streams: "audio"), null, Mkv));
        Assert.Equal("the output has no audio stream", OutputVerifier.FindProblem(Media("audio", 10), Media("audio", 10, streams: "video"), null, Mkv));
    }

    [Fact]
    public void An_unreadable_output_fails_with_what_ffprobe_said()
    {
        Assert.Equal("ffmpeg finished but its output cannot be read back (truncated)",
            OutputVerifier.FindProblem(Media("video", 10), null, "truncated", Mkv));
    }
}
