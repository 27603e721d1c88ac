using System.Text;
using FFMpegCore;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>
/// Why the broker runs ffprobe and ffmpeg itself and takes only FFMpegCore's analysis model: FFMpegCore's own runs
/// (<c>FFProbe.Analyse</c>, <c>FFMpeg.Snapshot</c>) build one argument string without our input whitelists. Each test
/// shows a guarantee FFMpegCore's way would lose, next to ours keeping it. Should one start failing, FFMpegCore has
/// changed and the choice deserves another look.
/// </summary>
public sealed class FfmpegCoreComparisonTests : IDisposable
{
    private readonly TempFolder _folder = new("ffmpegcore");
    private readonly ProgramRunner _runner = new(new RunningPrograms(), TimeProvider.System);
    private readonly MediaBroker.Broker.Configuration.BrokerSettings _settings;

    public FfmpegCoreComparisonTests() => _settings = RunningBroker.SettingsFor(_folder.Combine("data"));

    public void Dispose() => _folder.Dispose();

    private async Task<string> PlaylistPointingAtAnotherFileAsync()
    {
        var elsewhere = await TestMedia.VideoAsync(_folder.Combine("elsewhere.ts"), extension: "ts");
        return _folder.WriteFile("upload.m3u8", Encoding.ASCII.GetBytes($"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{elsewhere}\n#EXT-X-ENDLIST\n"));
    }

    [Fact]
    public async Task FFMpegCore_analyse_follows_an_uploaded_playlist_to_another_file_where_our_probe_refuses_it()
    {
        var upload = await PlaylistPointingAtAnotherFileAsync();

        var theirs = await FFProbe.AnalyseAsync(upload);
        var ours = await new MediaProbe(_runner, _settings).ProbeAsync(upload, CancellationToken.None);

        Assert.NotNull(theirs.PrimaryVideoStream); // it read a file that was never uploaded
        Assert.Null(ours.Media);
        Assert.Contains("refers to other files", ours.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FFMpegCore_snapshot_takes_its_picture_from_the_file_a_playlist_points_at_where_ours_takes_none()
    {
        var upload = await PlaylistPointingAtAnotherFileAsync();
        var media = new MediaInfo { Type = MediaTypes.Video, Container = "hls", DurationSeconds = 2, Streams = [] };

        var analysis = await FFProbe.AnalyseAsync(upload);
        var (input, output) = SnapshotArgumentBuilder.BuildSnapshotArguments(analysis, _folder.Combine("theirs.png"), captureTime: TimeSpan.FromSeconds(1));
        var theirs = await input.OutputToFile(_folder.Combine("theirs.png"), overwrite: true, output).ProcessAsynchronously();
        var ours = await new FrameGrabber(_runner, _settings).GrabAsync(media, upload, _folder.Combine("ours.jpg"), 64, null, CancellationToken.None);

        Assert.True(theirs.Success && File.Exists(_folder.Combine("theirs.png")));
        Assert.False(ours);
        Assert.False(File.Exists(_folder.Combine("ours.jpg")));
    }

    [Fact]
    public async Task FFMpegCore_puts_the_path_into_one_argument_string_so_a_quote_in_a_folder_name_breaks_it_where_ours_reads_the_file()
    {
        var folder = Directory.CreateDirectory(_folder.Combine("Films \"best of\" 2024")).FullName;
        var clip = await TestMedia.VideoAsync(Path.Combine(folder, "clip.mkv"));

        var theirs = await Record.ExceptionAsync(() => FFProbe.AnalyseAsync(clip));
        var ours = await new MediaProbe(_runner, _settings).ProbeAsync(clip, CancellationToken.None);

        Assert.NotNull(theirs);
        Assert.Equal(MediaTypes.Video, ours.Media?.Type);
    }
}
