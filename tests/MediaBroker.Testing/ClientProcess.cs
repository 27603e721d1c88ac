using System.Diagnostics;
using System.Text;

namespace MediaBroker.Testing;

/// <summary>The built media-client as a process: run a command to its end, or start the watch daemon.</summary>
public static class ClientProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
    }

    public static Task<Result> RunAsync(string workingDirectory, params string[] arguments) => RunAsync(workingDirectory, null, arguments);

    /// <param name="environment">Variables for the client's process (crash points, say).</param>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = StartInfo(workingDirectory, arguments);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return new Result(process.ExitCode, await output, await errors);
    }

    /// <summary>A long-running command (watch); what it prints is collected as it comes, so its pipes never fill up.</summary>
    public static Daemon Start(string workingDirectory, params string[] arguments) => new(Process.Start(StartInfo(workingDirectory, arguments))!);

    private static ProcessStartInfo StartInfo(string workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Repository.ClientDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_EnableDiagnostics"] = "0"; // tests SIGKILL these; killed, they would leave their debug pipes in /tmp
        return start;
    }

    public sealed class Daemon : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        internal Daemon(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, line) => Append(line.Data);
            _process.ErrorDataReceived += (_, line) => Append(line.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;
        public int ExitCode => _process.ExitCode;
        public bool HasExited => _process.HasExited;

        /// <summary>Everything it printed so far, stdout and stderr together.</summary>
        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        /// <summary>Waits until it has printed <paramref name="text"/>; fails at once, with its output, if it exits first.</summary>
        public Task WaitForOutputAsync(string text) => Eventually.TrueAsync(() =>
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) throw new InvalidOperationException($"media-client exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            return false;
        }, $"media-client to print '{text}'");

        public async Task WaitForExitAsync(TimeSpan limit)
        {
            await _process.WaitForExitAsync().WaitAsync(limit);
            _process.WaitForExit(); // the last lines of output are in
        }

        public void Kill() => _process.Kill(entireProcessTree: true);

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }
    }
}
