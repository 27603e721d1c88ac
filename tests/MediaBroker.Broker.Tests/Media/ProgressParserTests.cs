using MediaBroker.Broker.Media;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>ffmpeg's <c>-progress pipe:1</c> output, as captured from ffmpeg 5.1, read block by block.</summary>
public sealed class ProgressParserTests
{
    // ffmpeg -hide_banner -nostats -v error -progress pipe:1 -i clip.mp4 -c:v libx264 -preset ultrafast clip.mkv (a 1 s clip)
    private const string Captured = """
        frame=1
        fps=0.00
        stream_0_0_q=0.0
        bitrate= 260.6kbits/s
        total_size=4268
        out_time_us=131000
        out_time_ms=131000
        out_time=00:00:00.131000
        dup_frames=0
        drop_frames=0
        speed=7.02x
        progress=continue
        frame=10
        fps=0.00
        stream_0_0_q=4.0
        bitrate= 113.2kbits/s
        total_size=14363
        out_time_us=1015000
        out_time_ms=1015000
        out_time=00:00:01.015000
        dup_frames=0
        drop_frames=0
        speed=  21x
        progress=end
        """;

    private static List<ProgressSample> Samples(string output)
    {
        var parser = new ProgressParser();
        return output.Split('\n').Select(line => parser.Feed(line)).OfType<ProgressSample>().ToList();
    }

    [Fact]
    public void Each_block_becomes_one_sample_with_time_fps_and_speed()
    {
        var samples = Samples(Captured);

        Assert.Equal(2, samples.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(131), samples[0].OutTime);
        Assert.Equal(0, samples[0].Fps);
        Assert.Equal(7.02, samples[0].Speed);
        Assert.Equal(TimeSpan.FromMilliseconds(1015), samples[1].OutTime);
        Assert.Equal(21, samples[1].Speed);
        Assert.Equal([false, true], samples.Select(sample => sample.Ended));
    }

    [Fact]
    public void The_estimate_is_the_share_of_the_duration_written_and_the_time_left_at_the_current_speed()
    {
        var sample = Samples(Captured)[0];

        var (fraction, eta) = ProgressParser.Estimate(sample, durationSeconds: 2);

        Assert.Equal(0.0655, fraction, precision: 4);
        Assert.Equal((2 - 0.131) / 7.02, eta!.Value, precision: 6);
    }

    [Fact]
    public void An_ended_run_is_complete_and_an_unknown_duration_gives_no_estimate()
    {
        var samples = Samples(Captured);

        Assert.Equal((1d, (double?)0d), ProgressParser.Estimate(samples[1], durationSeconds: null));
        Assert.Equal((0d, (double?)null), ProgressParser.Estimate(samples[0], durationSeconds: null));
        Assert.Equal(1, ProgressParser.Estimate(samples[0] with { OutTime = TimeSpan.FromSeconds(9) }, durationSeconds: 2).Fraction);
    }

    [Theory]
    [InlineData("")]
    [InlineData("=")]
    [InlineData("no separator")]
    [InlineData("out_time_us=-5")]
    [InlineData("out_time_us=N/A")]
    [InlineData("speed=N/A")]
    [InlineData("fps=NaN")]
    [InlineData("speed=infx")]
    public void Lines_that_are_not_progress_are_ignored(string line)
    {
        var sample = Samples($"{line}\nprogress=continue")[0];

        Assert.Equal(TimeSpan.Zero, sample.OutTime);
        Assert.Null(sample.Fps);
        Assert.Null(sample.Speed);
    }
}
