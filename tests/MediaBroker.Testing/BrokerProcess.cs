using System.Diagnostics;
using System.Text.RegularExpressions;
using MediaBroker.Shared.Api;

namespace MediaBroker.Testing;

/// <summary>
/// A broker as its own operating-system process (the built media-broker), for what only a real process shows:
/// SIGTERM, SIGKILL in the middle of a write, restarts.
/// </summary>
public sealed partial class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private BrokerProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
        Api = new BrokerApiClient(Http);
    }

    public Uri Url { get; }
    public HttpClient Http { get; }
    public BrokerApiClient Api { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <param name="environment">Variables for the broker's process (crash points, say).</param>
    public static async Task<BrokerProcess> StartAsync(string dataPath, int port = 0, string? configPath = null, IReadOnlyList<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in (string[])[Repository.BrokerDll, "serve", "--data", dataPath, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            start.ArgumentList.Add(argument);
        if (configPath is not null) { start.ArgumentList.Add("--config"); start.ArgumentList.Add(configPath); }
        foreach (var argument in extraArguments ?? []) start.ArgumentList.Add(argument);

        start.Environment["DOTNET_EnableDiagnostics"] = "0"; // tests SIGKILL these; killed, they would leave their debug pipes in /tmp
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            if (ListeningLine().Match(line) is { Success: true } match) url.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(url.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != url.Task)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw new BrokerDidNotStartException($"the broker did not start:\n{string.Join('\n', lines)}");
        }
        var broker = new BrokerProcess(process, await url.Task);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (broker._output) broker._output.Add(e.Data); };
        return broker;
    }

    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    /// <summary>SIGTERM, as systemd or Ctrl-C would send it; waits for the process to end.</summary>
    public async Task<TimeSpan> TerminateAsync()
    {
        var clock = Stopwatch.StartNew();
        Signals.Send(_process.Id, Signals.Term);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return clock.Elapsed;
    }

    /// <summary>SIGKILL: no chance to clean up, as in a power cut.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        Signals.Send(_process.Id, Signals.Kill);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Http.Dispose();
    }

    /// <summary>Tells whether the process is still there (a crash point may have ended it).</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>After a failed call: true when the process is gone, or goes within <paramref name="grace"/> (it may be dying).</summary>
    public bool DiedWithin(TimeSpan grace) => _process.WaitForExit(grace);

    [GeneratedRegex(@"listening on (http://[^\s;]+)")]
    private static partial Regex ListeningLine();
}

/// <summary>The broker process ended, or never said where it listens.</summary>
public sealed class BrokerDidNotStartException(string message) : Exception(message);
