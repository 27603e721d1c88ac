using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// Runs a unit's command as systemd would for Type=notify, without systemd: a notification socket of the test's own
/// (NOTIFY_SOCKET), and a parent process named "systemd", which is how Microsoft.Extensions.Hosting.Systemd decides
/// that it runs as a service. The parent is a bash that renames itself and passes SIGTERM on to the program.
/// </summary>
public sealed class UnderSystemd : IAsyncDisposable
{
    private const string Parent = """
        printf systemd > /proc/self/comm
        "$@" &
        child=$!
        trap 'kill -TERM "$child"; stopping=1' TERM
        wait "$child"; status=$?
        # A signal ends the first wait early; the second one gets the program's own exit code.
        [ -n "${stopping:-}" ] && { wait "$child"; status=$?; }
        exit "$status"
        """;

    private readonly Socket _socket;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private UnderSystemd(Socket socket, Process process)
    {
        _socket = socket;
        _process = process;
    }

    public static UnderSystemd Start(string socketPath, IReadOnlyList<string> command)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-c", Parent, "systemd", .. command]) start.ArgumentList.Add(argument);
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        var process = Process.Start(start)!;
        var running = new UnderSystemd(socket, process);
        process.OutputDataReceived += (_, e) => { lock (running._output) running._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (running._output) running._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The next datagram the program sends to NOTIFY_SOCKET (READY=1, STOPPING=1).</summary>
    public async Task<string> NextNotificationAsync(string waitingFor)
    {
        var buffer = new byte[4096];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a safety net against hangs, not a speed test
        var receiving = _socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token).AsTask();
        var exited = _process.WaitForExitAsync(limit.Token);
        try
        {
            if (await Task.WhenAny(receiving, exited) == receiving) return Encoding.UTF8.GetString(buffer, 0, await receiving);
        }
        catch (OperationCanceledException)
        {
        }
        throw new InvalidOperationException($"no {waitingFor} on NOTIFY_SOCKET (exited: {_process.HasExited}):\n{Output}");
    }

    /// <summary>SIGTERM, as systemctl stop sends it; the program's exit code once it has ended.</summary>
    public async Task<int> StopAsync()
    {
        Signals.Send(_process.Id, Signals.Term);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _socket.Dispose();
    }
}
