using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>The argument list of one ffmpeg run, built from a profile: safety options where ffmpeg applies them, placeholders filled.</summary>
public sealed class FfmpegArgumentsTests
{
    private static readonly ConversionProfile Mkv = DefaultConversionProfiles.All["mkv_x265"];

    private static MediaInfo Video(params (string Type, string Codec)[] streams) => new()
    {
        Type = MediaTypes.Video,
        Container = "mov,mp4,m4a,3gp,3g2,mj2",
        Streams = streams.Select((stream, i) => new MediaStream(i, stream.Type, stream.Codec, null, null)).ToList(),
    };

    [Fact]
    public void The_broker_options_come_first_and_the_input_gets_the_whitelists_right_before_its_dash_i()
    {
        var arguments = FfmpegArguments.Build(Mkv, "/data/in_progress/x/input", "/data/in_progress/x/output.partial.mkv");

        Assert.Equal(["-hide_banner", "-nostats", "-v", "error", "-progress", "pipe:1", "-y"], arguments.Take(7));
        var input = arguments.ToList().IndexOf("-i");
        Assert.Equal([.. InputSafety.Options, "-i", "file:/data/in_progress/x/input"], arguments.Skip(input - InputSafety.Options.Count).Take(InputSafety.Options.Count + 2));
        Assert.Equal("file:/data/in_progress/x/output.partial.mkv", arguments[^1]);
        Assert.DoesNotContain(ConversionProfile.InputPlaceholder, arguments);
        Assert.DoesNotContain(ConversionProfile.OutputPlaceholder, arguments);
    }

    [Fact]
    public void A_title_goes_into_the_metadata_as_one_argument_whatever_it_holds()
    {
        const string title = "-y \"; rm -rf / ; $(reboot) -i http://example.invalid/x\ntwo lines";

        var arguments = FfmpegArguments.Build(Mkv, "in", "out.mkv", title: title);

        Assert.Equal(["-metadata", $"title={title}", "file:" + Path.GetFullPath("out.mkv")], arguments.TakeLast(3));
        Assert.DoesNotContain("-metadata", FfmpegArguments.Build(Mkv, "in", "out.mkv"));
    }

    [Fact]
    public void A_path_that_looks_like_an_option_or_a_protocol_stays_a_local_file()
    {
        var arguments = FfmpegArguments.Build(Mkv, "-i", "http://example.invalid/out.mkv");

        Assert.Contains("file:" + Path.GetFullPath("-i"), arguments);
        Assert.Equal("file:" + Path.GetFullPath("http://example.invalid/out.mkv"), arguments[^1]);
    }

    [Fact]
    public void Mp4_subtitles_become_subrip_in_matroska_and_other_subtitles_are_copied()
    {
        var input = Video(("video", "h264"), ("subtitle", "mov_text"), ("audio", "aac"), ("subtitle", "subrip"), ("subtitle", "mov_text"));

        var arguments = FfmpegArguments.Build(Mkv, "in", "out.mkv", input);

        Assert.Equal(["-c:s:0", "srt", "-c:s:2", "srt"], arguments.SkipWhile(argument => argument != "-c:s:0").Take(4));
        Assert.DoesNotContain("-c:s:1", arguments);
    }

    [Fact]
    public void Subtitles_are_left_alone_when_the_output_is_not_matroska_or_not_every_stream_is_taken()
    {
        var input = Video(("video", "h264"), ("subtitle", "mov_text"));

        Assert.DoesNotContain("srt", FfmpegArguments.Build(DefaultConversionProfiles.All["webp"], "in", "out.webp", input));
        var firstVideoOnly = Mkv with { Arguments = ["-i", ConversionProfile.InputPlaceholder, "-map", "0:v:0", "-c:v", "libx265", ConversionProfile.OutputPlaceholder] };
        Assert.DoesNotContain("srt", FfmpegArguments.Build(firstVideoOnly, "in", "out.mkv", input));
    }
}
