using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>The broker as a real process: SIGTERM mid-conversion, SIGKILL with ffmpeg still running, restarts.</summary>
public sealed class ShutdownAndCrashTests : IDisposable
{
    private readonly TempFolder _folder = new("process");

    public void Dispose() => _folder.Dispose();

    private string WriteSlowConfig() => _folder.WriteFile("broker.json", System.Text.Encoding.UTF8.GetBytes(SlowProfiles.BrokerJson));

    private async Task<Item> UploadSlowAsync(BrokerProcess broker, string name, double seconds, int seed)
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine(name), seconds: seconds, seed: seed);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(SlowProfiles.Name), "conversion_type" },
            { new StreamContent(File.OpenRead(clip)), "file", name },
        };
        var response = await broker.Http.PostAsync("api/items", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadItemAsync();
    }

    private static Dictionary<string, ThreadEntry> ReadThreads(DataFolder data) =>
        JsonSerializer.Deserialize<Dictionary<string, ThreadEntry>>(File.ReadAllText(data.ThreadsFile), WireJson.Options)!;

    [Fact]
    public async Task Sigterm_during_a_conversion_exits_within_10_s_and_the_next_start_finishes_the_item()
    {
        var data = Disk.DataFolder(_folder.Combine("data"));
        var config = WriteSlowConfig();
        Item item;
        await using (var broker = await BrokerProcess.StartAsync(data.Root, configPath: config))
        {
            item = await UploadSlowAsync(broker, "long.mkv", seconds: 8, seed: 1);
            await broker.Api.WaitForAsync(item.ItemId, current => current.Progress > 0, "the conversion to run");
            var ffmpeg = Assert.Single(ReadThreads(data)).Value.Pid;

            var took = await broker.TerminateAsync();

            Assert.True(took < TimeSpan.FromSeconds(10), $"the broker took {took} to stop");
            Assert.Equal(0, broker.ExitCode);
            Assert.False(Directory.Exists($"/proc/{ffmpeg}"), "ffmpeg outlived the broker");
        }
        Assert.False(File.Exists(Path.Combine(data.Root, "broker.pid")), "a clean stop removes the run marker");
        Assert.True(Directory.Exists(data.ItemFolder(ItemStatus.ToDo, item.ItemId)), "the item is back in to_do on disk");
        DataFolderAssert.NoPartialFiles(data);
        Assert.Empty(ReadThreads(data));

        await using (var restarted = await BrokerProcess.StartAsync(data.Root, configPath: config))
        {
            var finished = await restarted.Api.WaitUntilFinishedAsync(item.ItemId);
            Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
            await restarted.TerminateAsync(); // a clean stop, so that no index write is cut off before the checks below
        }
        DataFolderAssert.NoPartialFiles(data);
        DataFolderAssert.OnlyKnownFiles(data);
    }

    [Fact]
    public async Task After_a_sigkill_the_next_start_stops_orphaned_ffmpeg_requeues_running_items_and_keeps_the_rest()
    {
        var data = Disk.DataFolder(_folder.Combine("data"));
        var config = WriteSlowConfig();
        Item running, waiting, done;
        int orphan;
        await using (var broker = await BrokerProcess.StartAsync(data.Root, configPath: config))
        {
            var picture = await TestMedia.ImageAsync(_folder.Combine("done.png"), seed: 5);
            using (var form = new MultipartFormDataContent { { new StreamContent(File.OpenRead(picture)), "file", "done.png" } })
                done = await (await broker.Http.PostAsync("api/items", form)).ReadItemAsync();
            done = await broker.Api.WaitUntilFinishedAsync(done.ItemId);
            running = await UploadSlowAsync(broker, "a.mkv", seconds: 8, seed: 2);
            waiting = await UploadSlowAsync(broker, "b.mkv", seconds: 2, seed: 3);
            await broker.Api.WaitForAsync(running.ItemId, current => current.Progress > 0, "the conversion to run");
            orphan = Assert.Single(ReadThreads(data)).Value.Pid;

            await broker.KillAsync();
            Assert.True(Directory.Exists($"/proc/{orphan}"), "ffmpeg survives a SIGKILL of its broker");
        }

        await using (var restarted = await BrokerProcess.StartAsync(data.Root, configPath: config))
        {
            Assert.False(Directory.Exists($"/proc/{orphan}") && !File.ReadAllText($"/proc/{orphan}/stat").Contains(") Z ", StringComparison.Ordinal),
                "the orphaned ffmpeg is still running");
            ItemAssert.Same(done, await restarted.Api.GetItemAsync(done.ItemId));
            foreach (var id in new[] { running.ItemId, waiting.ItemId })
                Assert.Equal(ItemStatus.FinishedSuccessful, (await restarted.Api.WaitUntilFinishedAsync(id)).Status);
            Assert.Contains("back in to_do", restarted.Output + File.ReadAllText(Directory.GetFiles(data.Logs).Single()), StringComparison.Ordinal);
            await restarted.TerminateAsync(); // a clean stop, so that no index write is cut off before the checks below
        }
        DataFolderAssert.NoPartialFiles(data);
        DataFolderAssert.OnlyKnownFiles(data);
    }

    [Fact]
    public async Task A_kill_in_the_middle_of_an_index_write_leaves_a_readable_index_and_loses_nothing()
    {
        var data = Disk.DataFolder(_folder.Combine("data"));
        data.EnsureCreated();
        const int count = 20_000;
        var ids = await CreateFailedItemsOnDiskAsync(data, count);
        var deleted = new HashSet<Guid>();
        var uncertain = new HashSet<Guid>(); // asked for, but the kill came before the answer
        var killsMidWrite = 0;
        var random = new Random(7);

        for (var round = 0; round < 15 && killsMidWrite < 2; round++)
        {
            await using var broker = await BrokerProcess.StartAsync(data.Root);
            // Deleting items one after another keeps the broker rewriting its (large) index.
            using var stop = new CancellationTokenSource();
            var deleting = Task.Run(async () =>
            {
                foreach (var id in ids.Where(id => !deleted.Contains(id) && !uncertain.Contains(id)).Take(500))
                {
                    if (stop.IsCancellationRequested) break;
                    try
                    {
                        var response = await broker.Http.DeleteAsync($"api/items/{id}", stop.Token);
                        if (response.StatusCode == HttpStatusCode.NoContent) deleted.Add(id);
                    }
                    catch (Exception error) when (error is HttpRequestException or OperationCanceledException)
                    {
                        uncertain.Add(id);
                        break;
                    }
                }
            });
            // Every delete appends a line to index.journal: a kill while deletes stream in lands among appends, at a
            // different point each round. (A kill at each step of a snapshot rewrite is JournalCrashPointTests' job:
            // at 20,000 items a rewrite comes only after tens of thousands of changes.)
            var confirmedBefore = deleted.Count;
            var watching = System.Diagnostics.Stopwatch.StartNew();
            while (watching.Elapsed < TimeSpan.FromSeconds(5) && deleted.Count < confirmedBefore + 5) await Task.Delay(2);
            await Task.Delay(random.Next(0, 200));
            var midStream = !deleting.IsCompleted;
            await broker.KillAsync();
            await stop.CancelAsync();
            await deleting;

            if (midStream && deleted.Count > confirmedBefore) killsMidWrite++;
            var index = IndexFile.ReadWithJournal(Disk.Real, data); // must parse, whatever moment the kill hit
            Assert.NotNull(index);
        }
        Assert.True(killsMidWrite >= 1, "no kill landed while the index was being written; the test proved nothing");

        await using (var final = await BrokerProcess.StartAsync(data.Root))
        {
            var server = await final.Api.GetServerAsync();
            var present = Directory.EnumerateDirectories(data.StateFolder(ItemStatus.FinishedWithErrors)).Select(path => Guid.Parse(Path.GetFileName(path))).ToHashSet();
            Assert.Equal(present.Count, server.Queue.FinishedWithErrors);
            // Every confirmed delete happened; every item never deleted is still there; one cut off by a kill may go either way.
            Assert.Empty(deleted.Intersect(present));
            Assert.Empty(ids.Except(deleted).Except(uncertain).Except(present));
            Assert.True(deleted.Count > 0);
        }
        Assert.Empty(Directory.EnumerateFiles(data.Root, "*.tmp"));
        var written = IndexFile.ReadWithJournal(Disk.Real, data);
        Assert.Equal(Directory.EnumerateDirectories(data.StateFolder(ItemStatus.FinishedWithErrors)).Count(), written!.FinishedWithErrors.Count);
    }

    [Fact]
    public async Task A_second_broker_on_the_same_data_folder_is_refused_with_one_clear_line()
    {
        var data = _folder.Combine("shared");
        await using var first = await BrokerProcess.StartAsync(data);

        var error = await Assert.ThrowsAsync<MediaBroker.Shared.Configuration.ConfigurationException>(() => RunningBroker.StartAsync(data));

        Assert.Equal($"data_path: another broker (pid {first.Pid}) is using {data}; stop it first or choose another --data", Assert.Single(error.Problems));
        Assert.Equal(HttpStatusCode.OK, (await first.Http.GetAsync("api/server")).StatusCode);
    }

    private static async Task<List<Guid>> CreateFailedItemsOnDiskAsync(DataFolder data, int count)
    {
        var ids = new List<Guid>(count);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var item = ItemDrafts.Draft(BitConverter.GetBytes(i)) with
            {
                Status = ItemStatus.FinishedWithErrors, CreatedAt = now, UpdatedAt = now, QueuedAt = now, Version = 2,
                Errors = ["ffmpeg failed with exit code 1"],
            };
            var folder = Directory.CreateDirectory(data.ItemFolder(item)).FullName;
            await File.WriteAllTextAsync(Path.Combine(folder, ItemFiles.Metadata), JsonSerializer.Serialize(item, WireJsonContext.Default.Item));
            ids.Add(item.ItemId);
        }
        return ids;
    }
}
