using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>What happens while ffmpeg runs: progress, threads.json, DELETE, the time limit.</summary>
public sealed class RunningConversionTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("running");
    private readonly BrokerFleet _brokers;

    public RunningConversionTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<(RunningBroker Broker, Item Item)> StartSlowConversionAsync(
        double seconds = 4, Func<MediaBroker.Broker.Configuration.BrokerSettings, MediaBroker.Broker.Configuration.BrokerSettings>? configure = null,
        TimeProvider? time = null)
    {
        var broker = await _brokers.StartAsync(settings => (configure ?? (s => s))(SlowProfiles.With(settings)), time: time);
        var clip = await TestMedia.VideoAsync(_folder.Combine($"slow{_brokers.Count}.mkv"), seconds: seconds, seed: _brokers.Count);
        var response = await broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = SlowProfiles.Name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (broker, await response.ReadItemAsync());
    }

    private static Dictionary<string, ThreadEntry> ReadThreads(RunningBroker broker) =>
        JsonSerializer.Deserialize<Dictionary<string, ThreadEntry>>(File.ReadAllText(broker.Store.Data.ThreadsFile), WireJson.Options)!;

    [Fact]
    public async Task Progress_fps_and_eta_land_on_the_item_and_threads_json_lists_the_running_ffmpeg()
    {
        var (broker, item) = await StartSlowConversionAsync();

        var running = await broker.Api.WaitForAsync(item.ItemId, current => current.Progress is > 0 and < 1, "progress between 0 and 1");
        Assert.Equal(ItemStatus.InProgress, running.Status);
        Assert.NotNull(running.EtaSeconds);
        Assert.NotNull(running.Speed);
        var thread = Assert.Single(ReadThreads(broker)).Value;
        Assert.Equal(item.ItemId, thread.ItemId);
        Assert.True(IsAlive(thread.Pid));

        var finished = await broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(1, finished.Progress);
        Assert.Empty(ReadThreads(broker));
    }

    [Fact]
    public async Task Deleting_a_running_item_stops_its_ffmpeg_by_SIGINT_alone_and_removes_everything()
    {
        // On a clock that stands still the kill after the grace period never comes: ffmpeg has to honour SIGINT.
        var (broker, item) = await StartSlowConversionAsync(seconds: 20, time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        await Eventually.TrueAsync(() => ReadThreads(broker).Count == 1, "ffmpeg to start");
        var pid = Assert.Single(ReadThreads(broker)).Value.Pid;
        var folder = broker.Store.FolderOf(broker.Store.Get(item.ItemId)!);

        await broker.Api.DeleteAsync(item.ItemId);

        Assert.False(IsAlive(pid));
        Assert.False(Directory.Exists(folder));
        Assert.Null(broker.Store.Get(item.ItemId));
        Assert.Empty(ReadThreads(broker));
        DataFolderAssert.OnlyKnownFiles(broker.Store.Data, whileRunning: true);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Stopping_a_conversion_sends_ffmpeg_SIGINT_first_and_kills_it_only_once_the_grace_period_is_over()
    {
        // The broker's clock stands still until the test moves it; ffmpeg sits behind a shell that notes SIGINT and ignores it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var signals = _folder.Combine("signals.log");
        var ffmpeg = StubbornFfmpeg.Write(_folder, signals);
        var broker = await _brokers.StartAsync(settings => SlowProfiles.With(settings) with { FfmpegPath = ffmpeg }, time: clock);
        var clip = await TestMedia.VideoAsync(_folder.Combine("stubborn.mkv"), seconds: 20, seed: 71);
        var item = await (await broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = SlowProfiles.Name })).ReadItemAsync();
        await Eventually.TrueAsync(() => ReadThreads(broker).Count == 1, "ffmpeg to start");
        var pid = ReadThreads(broker).Single().Value.Pid;
        await Eventually.TrueAsync(() => StubbornFfmpeg.IsListening(signals, pid), "the ffmpeg wrapper to listen for SIGINT");

        var deleting = broker.Api.DeleteAsync(item.ItemId);
        await Eventually.TrueAsync(() => StubbornFfmpeg.GotSigint(signals), "ffmpeg to get SIGINT");
        clock.Advance(ProgramRun.DefaultStopGracePeriod - TimeSpan.FromMilliseconds(1));
        Assert.True(IsAlive(pid), "ffmpeg was killed before its grace period was over");
        Assert.False(deleting.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));

        await deleting.WaitAsync(Eventually.DefaultLimit);
        Assert.False(IsAlive(pid));
        Assert.Null(broker.Store.Get(item.ItemId));
    }

    [Fact]
    public async Task A_conversion_over_its_time_limit_is_stopped_and_the_item_fails_with_that_reason()
    {
        var (broker, item) = await StartSlowConversionAsync(seconds: 20,
            configure: settings => settings with { ConversionTimeoutMinSeconds = 1, ConversionTimeoutFactor = 0.05 });

        var failed = await broker.Api.WaitUntilFinishedAsync(item.ItemId);

        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.Contains("ffmpeg was stopped after", failed.Errors[0], StringComparison.Ordinal);
        Assert.Contains("conversion_timeout_factor", failed.Errors[0], StringComparison.Ordinal);
        DataFolderAssert.NoPartialFiles(broker.Store.Data, whileRunning: true);
        Assert.Empty(ReadThreads(broker));
    }

    [Fact]
    public async Task Stopping_the_broker_returns_a_running_item_to_to_do_and_a_restart_finishes_it()
    {
        var (broker, item) = await StartSlowConversionAsync();
        await broker.Api.WaitForAsync(item.ItemId, current => current.Progress > 0, "the conversion to run");
        var pid = Assert.Single(ReadThreads(broker)).Value.Pid;

        await broker.StopAsync();

        Assert.False(IsAlive(pid));
        Assert.Equal(ItemStatus.ToDo, broker.Store.Get(item.ItemId)!.Status);
        DataFolderAssert.NoPartialFiles(broker.Store.Data); // stopped: strict
        await using var restarted = await RunningBroker.StartAsync(broker.Settings.DataPath, SlowProfiles.With);
        var finished = await restarted.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
    }

    [Fact]
    public async Task With_keep_inputs_the_upload_stays_beside_its_output()
    {
        var broker = await _brokers.StartAsync(settings => settings with { KeepInputs = true });
        var picture = await TestMedia.ImageAsync(_folder.Combine("keep.png"), seed: 44);
        var item = await (await broker.PostMultipartAsync(picture)).ReadItemAsync();
        var finished = await broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(["input", "item.json", "output.webp"], Directory.EnumerateFiles(broker.Store.FolderOf(finished)).Select(Path.GetFileName).Order());
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
