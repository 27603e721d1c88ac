using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace MediaBroker.Broker.Conversion;

/// <summary>The program could not be started at all (missing, not executable).</summary>
public sealed class ProcessStartException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Runs ffmpeg and ffprobe the way Jellyfin does, minus the shell: arguments as a list, stdout and stderr drained at
/// once (a full pipe would stall the child), each run registered so shutdown can stop it, and a stop is 'q' on stdin
/// first, a kill after the grace period.
/// </summary>
public sealed class ProcessRunner(RunningProcesses registry, TimeProvider time)
{
    private const int MaxLineChars = 4000;

    public async Task<ProcessResult> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in request.Arguments)
            startInfo.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw new ProcessStartException($"cannot start {request.FileName}: {error.Message}", error);
        }

        using var timeout = new CancellationTokenSource();
        if (request.Timeout is { } limit) timeout.CancelAfter(limit);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        registry.Add(new RunningProcess(process.Id, time.GetUtcNow(), request.ItemId, process, stop));

        var output = new StringBuilder();
        var errorTail = new Queue<string>();
        var readOutput = DrainAsync(process.StandardOutput, line =>
        {
            if (request.OnOutputLine is { } onLine) onLine(line);
            else if (output.Length + line.Length < request.MaxCollectedOutputChars) output.Append(line).Append('\n');
        });
        var readErrors = DrainAsync(process.StandardError, line =>
        {
            if (string.IsNullOrWhiteSpace(line)) return;
            errorTail.Enqueue(line.Length > MaxLineChars ? line[..MaxLineChars] : line);
            while (errorTail.Count > request.ErrorTailLines) errorTail.Dequeue();
        });

        var outcome = ProcessOutcome.Exited;
        try
        {
            await process.WaitForExitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            outcome = timeout.IsCancellationRequested ? ProcessOutcome.TimedOut : ProcessOutcome.Stopped;
            await StopAsync(process, request.StopGracePeriod);
        }
        finally
        {
            registry.Remove(process.Id);
        }
        await Task.WhenAll(readOutput, readErrors);
        return new ProcessResult(outcome, process.ExitCode, output.ToString(), errorTail.ToList());
    }

    private static async Task StopAsync(Process process, TimeSpan gracePeriod)
    {
        if (gracePeriod > TimeSpan.Zero)
        {
            try
            {
                // ffmpeg's own way to stop: it closes its outputs cleanly, then exits.
                await process.StandardInput.WriteAsync('q');
                await process.StandardInput.FlushAsync();
                process.StandardInput.Close();
                using var grace = new CancellationTokenSource(gracePeriod);
                await process.WaitForExitAsync(grace.Token);
                return;
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException) { }
        }
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // already gone
        await process.WaitForExitAsync(CancellationToken.None);
    }

    private static async Task DrainAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
            onLine(line);
    }
}
