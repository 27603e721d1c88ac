using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>ffprobe as the broker runs it: what it reports, and that a stop is never mistaken for a verdict on the file.</summary>
public sealed class MediaProbeTests : IDisposable
{
    private readonly TempFolder _folder = new("media-probe");
    private readonly RunningPrograms _programs = new();
    private readonly MediaProbe _probe;

    public MediaProbeTests() => _probe = new MediaProbe(new ProgramRunner(_programs, TimeProvider.System), RunningBroker.SettingsFor(_folder.Combine("data")));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_video_is_reported_with_its_length_size_and_streams()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("clip.mkv"), seconds: 2, subtitles: true);

        var (media, problem) = await _probe.ProbeAsync(clip, CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(MediaTypes.Video, media!.Type);
        Assert.InRange(media.DurationSeconds!.Value, 1.8, 2.2);
        Assert.Equal(["video", "audio", "subtitle"], media.Streams.Select(stream => stream.Type));
    }

    [Fact]
    public async Task A_stop_during_a_probe_is_a_stop_not_an_unreadable_file()
    {
        // ffprobe opening a FIFO waits for a writer that never comes: a probe that is still running when it is stopped.
        var fifo = NamedPipe.Make(_folder.Combine("upload"));
        using var stop = new CancellationTokenSource();
        var probing = _probe.ProbeAsync(fifo, stop.Token);
        await Eventually.TrueAsync(() => NamedPipe.HasReader(fifo), "ffprobe to open the file");

        await stop.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probing.WaitAsync(Eventually.DefaultLimit));
        Assert.Equal(stop.Token, error.CancellationToken);
        Assert.Empty(_programs.All);
    }

    [Fact]
    public async Task A_file_that_is_not_media_gets_a_reason_a_person_understands()
    {
        var text = _folder.WriteFile("notes.mkv", "shopping list: milk, eggs"u8.ToArray());

        var (media, problem) = await _probe.ProbeAsync(text, CancellationToken.None);

        Assert.Null(media);
        Assert.Equal("this is not a media file ffmpeg can read (its content is not audio, image or video)", problem);
    }
}
