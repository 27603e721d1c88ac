using System.Diagnostics;
using System.Globalization;
using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>The README's first command: scripts/run starts the whole product, and a dropped file comes out converted.</summary>
[Collection(ReleaseBuilds.Name)]
public sealed class RunScriptTests : IDisposable
{
    private readonly TempFolder _folder = new("run-script");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Scripts_run_starts_broker_and_client_and_a_dropped_picture_comes_out_converted()
    {
        var port = LoopbackPorts.Free();
        await using var run = ScriptRun.Start(_folder.Combine("var"), "--port", port.ToString(CultureInfo.InvariantCulture));
        await run.WaitUntilRunningAsync();
        var picture = await TestMedia.ImageAsync(_folder.Combine("staged.png"), seed: 77);
        File.Move(picture, _folder.Combine("var", "drop", "sunset.png"));

        await Eventually.TrueAsync(() => File.Exists(_folder.Combine("var", "library", "sunset.webp")), "the converted picture in the library");

        // A second one on the same port: the first broker answers there, but this one's own broker did not start.
        await using var second = ScriptRun.Start(_folder.Combine("second"), "--port", port.ToString(CultureInfo.InvariantCulture));
        var exitCode = await second.WaitForExitAsync();
        Assert.True(exitCode != 0, second.Output);
        Assert.DoesNotContain("MediaBroker is running.", second.Output, StringComparison.Ordinal);
        Assert.Contains($"run: the broker did not start: media-broker: cannot listen on 127.0.0.1:{port}: the port is taken", second.Output, StringComparison.Ordinal);
        // Nothing changed since the first one built: the restart does not build again.
        Assert.Contains("run: nothing changed since the last build", second.Output, StringComparison.Ordinal);

        Assert.Equal(0, await run.StopAsync());
        Assert.Contains("Drop videos, pictures or sound files into", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_with_tokens_stops_scripts_run_until_its_client_is_given_one()
    {
        var data = _folder.Combine("guarded");
        var made = await BrokerCommand.RunAsync(_folder.Path, "token", "add", "local", "--data", data);
        Assert.True(made.ExitCode == 0, made.ToString());
        var token = made.Output.Trim();
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);

        // Without a token for its client it does not claim to run: it stops and says what to do.
        await using (var refused = ScriptRun.Start(_folder.Combine("var"), "--port", port, "--data", data))
        {
            Assert.True(await refused.WaitForExitAsync() != 0, refused.Output);
            Assert.Contains($"run: this broker requires a token (see tokens.json in {data}); make one with", refused.Output, StringComparison.Ordinal);
            Assert.Contains("then start again with MEDIABROKER_TOKEN=<that token> scripts/run", refused.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("MediaBroker is running.", refused.Output, StringComparison.Ordinal);
        }

        // With it, its client is let in: a dropped picture comes out converted.
        await using var run = ScriptRun.StartWithToken(_folder.Combine("var"), token, "--port", port, "--data", data);
        await run.WaitUntilRunningAsync();
        var picture = await TestMedia.ImageAsync(_folder.Combine("staged.png"), seed: 78);
        File.Move(picture, _folder.Combine("var", "drop", "lantern.png"));
        await Eventually.TrueAsync(() => File.Exists(_folder.Combine("var", "library", "lantern.webp")), "the converted picture in the library");
        Assert.Equal(0, await run.StopAsync());
    }

    [Fact]
    public async Task Scripts_run_honours_the_port_and_data_folder_of_the_broker_json_it_is_given()
    {
        var port = LoopbackPorts.Free();
        var config = _folder.WriteFile("broker.json", System.Text.Encoding.UTF8.GetBytes(
            $$"""{ "listen_on_port": {{port}}, "data_path": "kept-here" }"""));
        await using var run = ScriptRun.Start(_folder.Combine("var"), "--config", config);
        await run.WaitUntilRunningAsync();

        Assert.Contains($"http://127.0.0.1:{port}/", run.Output, StringComparison.Ordinal);
        Assert.Contains(_folder.Combine("kept-here"), run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("kept-here", "broker.pid")), run.Output);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode);
        Assert.Equal(0, await run.StopAsync());
    }


    /// <summary>One scripts/run as a user starts it, with everything it prints (stdout and stderr) kept in order.</summary>
    private sealed class ScriptRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private ScriptRun(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        public static ScriptRun Start(string var, params string[] arguments) => StartWithToken(var, token: null, arguments);

        /// <param name="token">The client's token (MEDIABROKER_TOKEN); none when null, whatever the test run has.</param>
        public static ScriptRun StartWithToken(string var, string? token, params string[] arguments)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
            start.ArgumentList.Add(Path.Combine(Repository.Root, "scripts", "run"));
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["MEDIABROKER_VAR"] = var;
            start.Environment.Remove("MEDIABROKER_TOKEN");
            if (token is not null) start.Environment["MEDIABROKER_TOKEN"] = token;
            return new ScriptRun(Process.Start(start)!);
        }

        /// <summary>Until it says where to drop files (a first build included).</summary>
        public Task WaitUntilRunningAsync() => Eventually.TrueAsync(() =>
        {
            if (Output.Contains("MediaBroker is running.", StringComparison.Ordinal)) return true;
            if (_process.HasExited) throw new InvalidOperationException($"scripts/run ended ({_process.ExitCode}) before it was running:\n{Output}");
            return false;
        }, "scripts/run to say where to drop files", TimeSpan.FromMinutes(5));

        public async Task<int> WaitForExitAsync()
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            return _process.ExitCode;
        }

        /// <summary>Ctrl-C's twin: SIGTERM, then its exit code once broker and client have stopped.</summary>
        public async Task<int> StopAsync()
        {
            if (!_process.HasExited) Signals.Send(_process.Id, Signals.Term);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _process.Dispose();
        }
    }
}
