using System.IO.Abstractions;
using System.Text.Json;
using System.Text.RegularExpressions;
using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.CommandLine;

/// <summary>
/// media-client watch running, and the user's commands beside it, all real processes on one state_path: what the
/// watch log tells the user to run works, and neither side loses the other's updates.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class BesideTheWatcherTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("beside");
    private RunningBroker _broker = null!;
    private string _ffmpegFails = null!;

    public async Task InitializeAsync()
    {
        // ffmpeg that fails while this file exists: an item that fails, then converts once retried.
        _ffmpegFails = _client.Folder.Combine("ffmpeg-fails");
        var ffmpeg = _client.Folder.WriteScript("ffmpeg", $$"""
            #!/bin/bash
            if [ -e "{{_ffmpegFails}}" ]; then echo "ffmpeg: made to fail by the test" >&2; exit 1; fi
            exec ffmpeg "$@"
            """);
        _broker = await RunningBroker.StartAsync(_client.Folder.Combine("broker"), settings => settings with { FfmpegPath = ffmpeg });
        _client.Configure([("local", _broker.Url)]);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _client.Dispose();
    }

    private Task<ClientProcess.Result> RunAsync(params string[] arguments) =>
        ClientProcess.RunAsync(_client.Folder.Path, [.. arguments, "--config", _client.ConfigPath]);

    private ClientDatabase Saved() => ClientDatabase.Open(new FileSystem(), _client.State, forWriting: false);

    [Fact]
    public async Task Retry_upload_status_and_download_work_while_watch_runs_and_the_watcher_acts_on_what_they_change()
    {
        File.WriteAllText(_ffmpegFails, "");
        var clip = await TestMedia.VideoAsync(Path.Combine(_client.Drop, "clip.mp4"), seconds: 1, audio: false, extension: "mp4", seed: 3);
        using var watch = ClientProcess.Start(_client.Folder.Path, "watch", "--config", _client.ConfigPath);

        await watch.WaitForOutputAsync(" tries again)");
        var itemId = Guid.Parse(RetryHint().Match(watch.Output).Groups[1].Value);
        await Eventually.TrueAsync(() => Saved().Get(clip)?.Status == FileStatus.Failed, "the watcher to note the failure");
        File.Delete(_ffmpegFails);

        var retry = await RunAsync("retry", itemId.ToString());

        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Contains($"item {itemId} is back in", retry.Output, StringComparison.Ordinal);
        var output = Path.Combine(_client.Library, "clip.mkv");
        await Eventually.TrueAsync(() => Saved().Get(clip) is { Status: FileStatus.Done } done && done.OutputPath == output,
            "the watcher to follow the retried item to its output");
        Assert.Equal((await _broker.Api.GetItemAsync(itemId)).Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(output));

        var status = await RunAsync("status", "--all", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var json = JsonDocument.Parse(status.Output))
            Assert.Equal("done", Assert.Single(json.RootElement.EnumerateArray()).GetProperty("file").GetProperty("status").GetString());

        var download = await RunAsync("download", itemId.ToString(), "-o", _client.Folder.Combine("copy.mkv"));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(await Sha512Hex.OfFileAsync(output), await Sha512Hex.OfFileAsync(_client.Folder.Combine("copy.mkv")));

        // A file handed over by hand: the watcher takes in the upload's record and brings its output home beside it.
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("photos", "cat.png"), seed: 4);
        var upload = await RunAsync("upload", picture);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        await Eventually.TrueAsync(() => Saved().Get(picture)?.Status == FileStatus.Done, "the watcher to fetch the uploaded file's output");
        Assert.True(File.Exists(_client.Folder.Combine("photos", "cat.webp")));

        // A second engine would hand the same files over twice: sync says why it does not run.
        var sync = await RunAsync("sync");
        Assert.Equal(2, sync.ExitCode);
        Assert.Contains("a media-client watch or sync is running on", sync.Errors, StringComparison.Ordinal);

        Signals.Send(watch.Id, Signals.Term);
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(watch.ExitCode == 0, watch.Output);
        Assert.DoesNotContain("A pass failed", watch.Output, StringComparison.Ordinal);
        Assert.Equal(FileStatus.Done, Saved().Get(clip)!.Status); // the watcher's last save kept the commands' changes
    }

    [Fact]
    public async Task Updates_hammered_from_several_processes_beside_a_working_watcher_are_all_kept()
    {
        var dropped = new List<string>();
        for (var i = 0; i < 6; i++) dropped.Add(await TestMedia.ImageAsync(Path.Combine(_client.Drop, $"dropped{i}.png"), seed: 100 + i));
        var handed = new List<string>();
        for (var i = 0; i < 4; i++) handed.Add(await TestMedia.ImageAsync(_client.Folder.Combine("by-hand", $"handed{i}.png"), seed: 200 + i));
        using var watch = ClientProcess.Start(_client.Folder.Path, "watch", "--config", _client.ConfigPath);
        await watch.WaitForOutputAsync("Watching 1 folder for ");

        // This test's process is one more writer: one read-modify-write transaction after another, for as long as
        // the watcher works, each adding a record and a line to a shared one.
        var counter = _client.Folder.Combine("elsewhere", "counter.mp4");
        var hammer = ClientDatabase.Open(new FileSystem(), _client.State, forWriting: true);
        var uploads = Task.WhenAll(RunAsync("upload", handed[0], handed[1]), RunAsync("upload", handed[2], handed[3]));
        var transactions = 0;
        var giveUpAt = DateTime.UtcNow + Eventually.DefaultLimit;
        bool AllDone() => dropped.Concat(handed).All(path => Saved().Get(path)?.Status == FileStatus.Done);
        while (transactions < 100 || !uploads.IsCompleted || transactions % 10 != 0 || !AllDone())
        {
            var n = transactions++;
            await hammer.ChangeAsync(database =>
            {
                database.Put(new TrackedFile { Path = _client.Folder.Combine("elsewhere", $"{n}.mp4"), CreatedAt = DateTimeOffset.UtcNow, Status = FileStatus.Failed });
                var shared = database.Get(counter) ?? new TrackedFile { Path = counter, CreatedAt = DateTimeOffset.UtcNow, Status = FileStatus.Failed };
                database.Put(shared with { Errors = [.. shared.Errors, n.ToString(System.Globalization.CultureInfo.InvariantCulture)] });
            });
            if (DateTime.UtcNow > giveUpAt) throw new TimeoutException("the watcher did not finish:\n" + watch.Output);
        }
        Assert.All(await uploads, upload => Assert.True(upload.ExitCode == 0, upload.ToString()));

        Signals.Send(watch.Id, Signals.Term);
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(watch.ExitCode == 0, watch.Output);
        var saved = Saved();
        Assert.All(dropped, path => Assert.Equal(FileStatus.Done, saved.Get(path)!.Status));
        Assert.All(handed, path => Assert.Equal(FileStatus.Done, saved.Get(path)!.Status));
        Assert.All(Enumerable.Range(0, transactions), n => Assert.NotNull(saved.Get(_client.Folder.Combine("elsewhere", $"{n}.mp4"))));
        Assert.Equal(Enumerable.Range(0, transactions).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), saved.Get(counter)!.Errors);
    }

    [GeneratedRegex(@"media-client retry ([0-9a-f-]{36}) tries again")]
    private static partial Regex RetryHint();
}
