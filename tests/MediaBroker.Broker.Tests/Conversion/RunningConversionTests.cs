using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Conversion;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

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
        double seconds = 4, Func<MediaBroker.Broker.Configuration.BrokerSettings, MediaBroker.Broker.Configuration.BrokerSettings>? configure = null)
    {
        var broker = await _brokers.StartAsync(settings => (configure ?? (s => s))(SlowProfiles.With(settings)));
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
    public async Task Deleting_a_running_item_stops_its_ffmpeg_at_once_and_removes_everything()
    {
        var (broker, item) = await StartSlowConversionAsync(seconds: 20);
        await broker.Api.WaitForAsync(item.ItemId, current => current.Progress > 0, "the conversion to run");
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
