using System.Text.Json;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.CommandLine;

/// <summary>media-client as a user runs it: a real process, its exit codes and what it prints.</summary>
public sealed class ClientCommandLineTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("cli");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await RunningBroker.StartAsync(_client.Folder.Combine("broker"));
        _client.Configure([("local", _broker.Url)], besideSource: true);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _client.Dispose();
    }

    private Task<ClientProcess.Result> RunAsync(params string[] arguments) =>
        ClientProcess.RunAsync(_client.Folder.Path, [.. arguments, "--config", _client.ConfigPath]);

    [Theory]
    [InlineData("upload", "Hand files to a broker now")]
    [InlineData("add-url", "Hand a broker a link")]
    [InlineData("status", "Show where files are")]
    [InlineData("download", "Fetch an item's output")]
    [InlineData("servers", "Show each configured broker")]
    [InlineData("sync", "One full pass")]
    [InlineData("watch", "Run as a daemon")]
    [InlineData("retry", "Ask the broker to convert a failed item again")]
    public async Task Every_command_explains_itself_with_help(string command, string description)
    {
        var result = await ClientProcess.RunAsync(_client.Folder.Path, command, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(description, result.Output, StringComparison.Ordinal);
        Assert.Contains("--config", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_use_gets_one_clear_line_and_a_non_zero_exit_code()
    {
        var missing = await RunAsync("upload", "nowhere.mp4");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nowhere.mp4: no such file", missing.Errors, StringComparison.Ordinal);

        // A mistake in the arguments: the mistake and where to read more, not a page of help with the mistake last.
        foreach (var (arguments, expected, help) in new[]
        {
            (new[] { "download", "not-an-id" }, "media-client: 'not-an-id' is not an item id", "media-client download --help"),
            (["status", "--frobnicate"], "media-client: '--frobnicate' is not an item id", "media-client status --help"),
            (["convert", "x.mp4"], "media-client: 'convert' is not a command or option here", "media-client --help"),
            (["sync", "--fast"], "media-client: '--fast' is not a command or option here", "media-client sync --help"),
        })
        {
            var wrong = await RunAsync(arguments);
            Assert.True(wrong.ExitCode == 2, wrong.ToString());
            Assert.Equal([expected, $"media-client: see '{help}'"], wrong.Errors.Trim().Split('\n').Select(line => line.Split(" (")[0]));
            Assert.Empty(wrong.Output);
        }

        var stateFile = _client.Folder.WriteFile("state-is-a-file", "keep"u8.ToArray());
        var stateConfig = _client.Folder.WriteFile("state.json", System.Text.Encoding.UTF8.GetBytes($$"""{ "state_path": "{{stateFile}}" }"""));
        var badState = await ClientProcess.RunAsync(_client.Folder.Path, "sync", "--config", stateConfig);
        Assert.Equal(2, badState.ExitCode);
        Assert.Equal($"media-client: state_path: '{stateFile}' is a file; name a folder (it is created if missing)", badState.Errors.Trim());

        var badServer = await RunAsync("upload", "x.mp4", "--server", "nope");
        Assert.Equal(2, badServer.ExitCode);
        Assert.Contains("--server 'nope' is not in list_of_servers", badServer.Errors, StringComparison.Ordinal);

        var config = _client.Folder.WriteFile("bad.json", """{ "poll_interval_seconds": 0, "list_of_servers": [ { "id": "x", "url": "nope" } ] }"""u8.ToArray());
        var badConfig = await ClientProcess.RunAsync(_client.Folder.Path, "servers", "--config", config);
        Assert.Equal(2, badConfig.ExitCode);
        var lines = badConfig.Errors.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("media-client: ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broker_with_tokens_takes_the_token_from_client_json_and_a_wrong_one_is_named_as_the_problem()
    {
        var token = await _broker.AddTokenAsync("laptop");
        _client.Configure([("attic", _broker.Url)], settings: config => config["list_of_servers"]![0]!["token"] = "mbt_wrong");

        var refused = await RunAsync("servers");

        Assert.Contains("token refused", refused.Output, StringComparison.Ordinal);
        Assert.Contains("unknown or revoked", refused.Output, StringComparison.Ordinal);

        _client.Configure([("attic", _broker.Url)], settings: config => config["list_of_servers"]![0]!["token"] = token);
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("photos", "dog.png"), seed: 13);
        var upload = await RunAsync("upload", picture);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        var itemId = Guid.Parse(System.Text.RegularExpressions.Regex.Match(upload.Output, "item ([0-9a-f-]{36})").Groups[1].Value);
        Assert.Equal("laptop", _broker.Store.Get(itemId)!.ClientId);
    }

    [Fact]
    public async Task Upload_status_download_servers_and_retry_work_together()
    {
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("photos", "cat.png"), seed: 12);

        var upload = await RunAsync("upload", picture);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        var itemId = Guid.Parse(System.Text.RegularExpressions.Regex.Match(upload.Output, "item ([0-9a-f-]{36})").Groups[1].Value);

        var finished = await _broker.Api.WaitUntilFinishedAsync(itemId);
        var status = await RunAsync("status", itemId.ToString(), "--json");
        Assert.Equal(0, status.ExitCode);
        using (var json = JsonDocument.Parse(status.Output))
        {
            Assert.Equal("finished_successful", json.RootElement[0].GetProperty("item").GetProperty("status").GetString());
            Assert.True(json.RootElement[0].GetProperty("item").GetProperty("timings").GetProperty("converting_seconds").GetDouble() >= 0);
        }
        var table = await RunAsync("status", itemId.ToString());
        Assert.Contains("time on the broker", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"converted \d", table.Output); // the broker's breakdown, phase by phase
        // The table's short id, or any unique start of it, is taken wherever an id is.
        Assert.Contains(ItemIdPrefix.Short(itemId), table.Output, StringComparison.Ordinal);
        var byStart = await RunAsync("status", ItemIdPrefix.Short(itemId)[..6], "--json");
        Assert.True(byStart.ExitCode == 0, byStart.ToString());
        Assert.Contains(itemId.ToString(), byStart.Output, StringComparison.Ordinal);
        var unknownStart = itemId.ToString()[0] == 'f' ? "0000" : "ffff";
        var unknown = await RunAsync("retry", unknownStart);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal($"media-client: no item known here has an id that starts with '{unknownStart}' (a whole id is always taken)", unknown.Errors.Trim());

        Directory.CreateDirectory(_client.Folder.Combine("out"));
        var download = await RunAsync("download", itemId.ToString(), "-o", _client.Folder.Combine("out"));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Contains("sha512 verified", download.Output, StringComparison.Ordinal);
        Assert.Equal(finished.Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(_client.Folder.Combine("out", "cat.webp")));
        var again = await RunAsync("download", itemId.ToString(), "-o", _client.Folder.Combine("out"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not overwritten", again.Errors, StringComparison.Ordinal);
        // A folder that cannot be made (a file is in the way): the system's reason in one line, no stack trace.
        var blocked = await RunAsync("download", itemId.ToString(), "-o", Path.Combine(picture, "sub", "cat.webp"));
        Assert.Equal(1, blocked.ExitCode);
        Assert.StartsWith("media-client: ", blocked.Errors, StringComparison.Ordinal);
        Assert.Single(blocked.Errors.Trim().Split('\n'));

        var servers = await RunAsync("servers");
        Assert.Contains("up", servers.Output, StringComparison.Ordinal);
        Assert.Contains("audio, image, video", servers.Output, StringComparison.Ordinal);

        var retry = await RunAsync("retry", itemId.ToString());
        Assert.Equal(1, retry.ExitCode);
        Assert.Contains("only an item in finished_with_errors can be retried", retry.Errors, StringComparison.Ordinal);

        // The manual upload's output is fetched beside it by the next sync.
        var sync = await RunAsync("sync");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.True(File.Exists(_client.Folder.Combine("photos", "cat.webp")));

        // What the conversion saved, per file and in total.
        long input = new FileInfo(picture).Length, output = new FileInfo(_client.Folder.Combine("photos", "cat.webp")).Length;
        var saved = await RunAsync("status", "--all");
        Assert.Contains("placed", saved.Output, StringComparison.Ordinal); // the README's word for it
        Assert.Contains(SpaceSaved.Of(input, output), saved.Output, StringComparison.Ordinal);
        Assert.Contains($"1 file converted: {Words.Bytes(input)} in, {Words.Bytes(output)} out, {Words.Bytes(input - output)} saved", saved.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_status_and_servers_name_the_broker_that_is_away_and_what_waits_for_it()
    {
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("photos", "owl.png"), seed: 14);
        var upload = await RunAsync("upload", picture);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        await _broker.StopAsync();

        var status = await RunAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("on_broker", status.Output, StringComparison.Ordinal);
        Assert.Matches("media-client: broker local at http://127.0.0.1:[0-9]+/? did not answer \\(.+\\); 1 file waits for it", status.Errors);

        var sync = await RunAsync("sync");
        Assert.True(sync.ExitCode == 3, sync.ToString());
        Assert.Matches("media-client: broker local at http://127.0.0.1:[0-9]+/? did not answer \\(.+\\); 1 file waits for it", sync.Errors);

        var servers = await RunAsync("servers");
        Assert.True(servers.ExitCode == 1, servers.ToString());
        Assert.Equal("media-client: broker local did not answer", servers.Errors.Trim());
    }

    [Fact]
    public async Task Sync_exits_3_while_work_is_pending_and_0_once_everything_is_in_place()
    {
        await TestMedia.VideoAsync(Path.Combine(_client.Drop, "clip.mkv"), seconds: 2, size: "320x240", seed: 4);

        var first = await RunAsync("sync");
        Assert.True(first.ExitCode is 0 or 3, first.ToString());
        var result = first;
        for (var i = 0; i < 60 && result.ExitCode == 3; i++)
        {
            await Task.Delay(500);
            result = await RunAsync("sync");
        }
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1 done, 0 pending", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_client.Drop, "clip.mkv_x264.mkv")));
    }

    [Fact]
    public async Task Watch_converts_what_is_dropped_and_stops_cleanly_on_sigterm()
    {
        using var watch = ClientProcess.Start(_client.Folder.Path, "watch", "--config", _client.ConfigPath);
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("incoming.png"), seed: 30);
        File.Copy(picture, Path.Combine(_client.Drop, "dropped.png"));

        await Eventually.TrueAsync(() => File.Exists(Path.Combine(_client.Drop, "dropped.webp")), "the output to appear beside the drop");
        Signals.Send(watch.Id, Signals.Term);
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, watch.ExitCode);
        Assert.Contains("Stopped", watch.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_notices_a_watched_folder_created_after_it_started_without_waiting_for_a_rescan()
    {
        // A rescan only once an hour: only watching the folder itself can pick the file up in time.
        _client.Configure([("local", _broker.Url)], besideSource: true, settings: config => config["rescan_interval_seconds"] = 3600);
        Directory.Delete(_client.Drop, recursive: true);
        using var watch = ClientProcess.Start(_client.Folder.Path, "watch", "--config", _client.ConfigPath);
        await watch.WaitForOutputAsync("does not exist (yet)"); // it starts while the folder is missing (a disk not mounted yet)

        Directory.CreateDirectory(_client.Drop);
        File.Copy(await TestMedia.ImageAsync(_client.Folder.Combine("late.png"), seed: 31), Path.Combine(_client.Drop, "late.png"));
        var photos = Directory.CreateDirectory(Path.Combine(_client.Drop, "photos")).FullName;
        File.Copy(await TestMedia.ImageAsync(_client.Folder.Combine("later.png"), seed: 32), Path.Combine(photos, "later.png"));

        await Eventually.TrueAsync(() => File.Exists(Path.Combine(_client.Drop, "late.webp")) && File.Exists(Path.Combine(photos, "later.webp")),
            "both outputs to appear", TimeSpan.FromSeconds(60));
        Signals.Send(watch.Id, Signals.Term);
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Download_takes_the_name_a_broker_sends_as_a_file_name_never_as_a_path()
    {
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("dog.png"), seed: 13);
        var item = await _broker.Api.WaitUntilFinishedAsync((await (await _broker.PostMultipartAsync(picture)).ReadItemAsync()).ItemId);
        // A broker that lies about the name: the real one behind a front that rewrites it into a path.
        await using var liar = await RewritingFront.StartAsync(_broker.Url, json => json.Replace("\"dog.webp\"", "\"../../escaped.webp\"", StringComparison.Ordinal));
        _client.Configure([("liar", liar.Url)], besideSource: true);
        var work = Directory.CreateDirectory(_client.Folder.Combine("deep", "work")).FullName;

        var download = await ClientProcess.RunAsync(work, "download", item.ItemId.ToString(), "--config", _client.ConfigPath);

        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.True(File.Exists(Path.Combine(work, "escaped.webp")), download.ToString());
        Assert.False(File.Exists(_client.Folder.Combine("escaped.webp")));
    }
}
