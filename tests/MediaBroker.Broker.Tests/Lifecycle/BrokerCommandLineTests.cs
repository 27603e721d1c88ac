using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>media-broker as a user runs it: clear one-line errors and exit codes.</summary>
public sealed class BrokerCommandLineTests : IDisposable
{
    private readonly TempFolder _folder = new("broker-cli");

    public void Dispose() => _folder.Dispose();

    private async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] arguments)
    {
        var result = await BrokerCommand.RunAsync(_folder.Path, arguments);
        return (result.ExitCode, result.Output, result.Errors);
    }

    [Fact]
    public async Task A_bad_broker_json_stops_the_broker_with_one_line_per_mistake()
    {
        var config = _folder.WriteFile("broker.json", """{ "listen_on_port": 70000, "number_of_conversion_threads": 0 }"""u8.ToArray());

        var (exitCode, _, errors) = await RunAsync("serve", "--config", config, "--data", _folder.Combine("data"));

        Assert.Equal(2, exitCode);
        var lines = errors.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, line => line.StartsWith("media-broker: ", StringComparison.Ordinal) && line.Contains("listen_on_port: must be between 0 and 65535 (got 70000)", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("number_of_conversion_threads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_data_path_that_is_a_file_is_one_clear_line_and_the_file_is_left_alone()
    {
        var file = _folder.WriteFile("notes.txt", "keep me"u8.ToArray());

        var (exitCode, _, errors) = await RunAsync("serve", "--data", file, "--port", "0");

        Assert.Equal(2, exitCode);
        Assert.Equal($"media-broker: data_path: '{file}' is a file; name a folder (it is created if missing)", errors.Trim());
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_broker_without_ffmpeg_refuses_to_start_with_one_line_naming_the_setting_and_releases_its_data_folder()
    {
        var config = _folder.WriteFile("broker.json", """{ "ffmpeg_path": "/nowhere/ffmpeg" }"""u8.ToArray());

        var (exitCode, output, errors) = await RunAsync("serve", "--config", config, "--data", _folder.Combine("data"), "--port", "0");

        Assert.Equal(2, exitCode);
        Assert.Equal("media-broker: ffmpeg_path: cannot run '/nowhere/ffmpeg' (install ffmpeg with scripts/setup or apt-get, or set ffmpeg_path in broker.json)",
            errors.Trim());
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("data", "broker.pid")), "the data folder stayed claimed");
    }

    [Fact]
    public async Task A_port_already_taken_is_one_clear_line_and_the_data_folder_is_left_ready_for_the_next_start()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exitCode, _, errors) = await RunAsync("serve", "--data", _folder.Combine("data"), "--port", port);

        Assert.Equal(1, exitCode);
        Assert.Equal($"media-broker: cannot listen on 127.0.0.1:{port}: the port is taken (another broker? choose one with --port)", errors.Trim());
        Assert.False(File.Exists(_folder.Combine("data", "broker.pid")), "the data folder stayed claimed");
        Assert.True(File.Exists(_folder.Combine("data", "index.json")));
    }

    [Fact]
    public async Task Queue_list_shows_input_and_output_sizes_and_what_the_conversions_saved()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var picture = await TestMedia.ImageAsync(_folder.Combine("heron.png"), seed: 21);
        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(picture)).ReadItemAsync()).ItemId);
        long input = item.FileSize, output = item.Output!.FileSize;

        var (exitCode, text, errors) = await RunAsync("queue", "list", "--url", broker.Url.ToString());

        Assert.True(exitCode == 0, errors);
        Assert.Contains(Words.Bytes(output), text, StringComparison.Ordinal);
        Assert.Contains($"{Environment.NewLine}1 item{Environment.NewLine}", text, StringComparison.Ordinal);
        Assert.Contains($"1 file converted: {Words.Bytes(input)} in, {Words.Bytes(output)} out, {Words.Bytes(input - output)} saved", text, StringComparison.Ordinal);

        // The short id the table shows is enough for a command that takes an id, and fits an 80-column terminal.
        var shortId = ItemIdPrefix.Short(item.ItemId);
        Assert.Contains(shortId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(item.ItemId.ToString(), text, StringComparison.Ordinal);
        var (linkExit, link, linkErrors) = await RunAsync("queue", "link", shortId[..6], "--url", broker.Url.ToString());
        Assert.True(linkExit == 0, linkErrors);
        Assert.Contains($"/links/{item.ItemId}/", link, StringComparison.Ordinal);
        var unknownStart = shortId[0] == 'f' ? "0000" : "ffff";
        var (unknownExit, _, unknownErrors) = await RunAsync("queue", "link", unknownStart, "--url", broker.Url.ToString());
        Assert.Equal(1, unknownExit);
        Assert.Equal($"media-broker: no item known here has an id that starts with '{unknownStart}' (a whole id is always taken)", unknownErrors.Trim());
    }

    [Fact]
    public async Task Queue_commands_say_clearly_when_no_broker_is_running()
    {
        var (exitCode, _, errors) = await RunAsync("queue", "list", "--url", "http://127.0.0.1:9");

        Assert.Equal(1, exitCode);
        Assert.Contains("no broker is answering at http://127.0.0.1:9/", errors, StringComparison.Ordinal);
        Assert.Contains("is `media-broker serve` running?", errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
    }

    [Fact]
    public async Task Every_command_explains_itself_with_help()
    {
        foreach (var command in new[]
        {
            new[] { "serve" }, ["queue", "add"], ["queue", "list"], ["queue", "link"],
            ["token", "add"], ["token", "list"], ["token", "revoke"], ["token", "rotate-link-key"],
        })
        {
            var (exitCode, output, _) = await RunAsync([.. command, "--help"]);
            Assert.Equal(0, exitCode);
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
        }
        var (missingExit, _, missingErrors) = await RunAsync("queue", "add", "nowhere.mp4");
        Assert.Equal(2, missingExit);
        Assert.Contains("no such file: nowhere.mp4", missingErrors, StringComparison.Ordinal);

        var (noChoiceExit, _, noChoiceErrors) = await RunAsync("queue");
        Assert.Equal(2, noChoiceExit);
        Assert.Equal(["media-broker: 'media-broker queue' needs one of: add, list, link", "media-broker: see 'media-broker queue --help'"], noChoiceErrors.Trim().Split('\n'));

        var (badPortExit, badPortOutput, badPortErrors) = await RunAsync("serve", "--port", "abc");
        Assert.Equal(2, badPortExit);
        Assert.Empty(badPortOutput);
        Assert.Equal(["media-broker: Cannot parse argument 'abc' for option '--port' as a whole number.", "media-broker: see 'media-broker serve --help'"],
            badPortErrors.Trim().Split('\n'));
    }
}
