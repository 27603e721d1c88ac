using System.ComponentModel;
using System.Text;
using CliWrap;

namespace MediaBroker.Broker.Media;

/// <summary>
/// Runs ffmpeg, ffprobe and any later program through CliWrap, with Jellyfin's process discipline minus the shell:
/// arguments as a list, stdout and stderr drained at once, each run registered so that shutdown can stop it. A stop
/// is graceful first (SIGINT, which ffmpeg treats like 'q': it closes its outputs and exits) and forceful (a kill of
/// the whole process tree) once the grace period has passed on the injected clock.
/// </summary>
/// <remarks>
/// How a run ends is part of the contract: a result when the program exited by itself (whatever its exit code),
/// <see cref="OperationCanceledException"/> when the broker stopped it (never to be mistaken for "this file is
/// unreadable"), <see cref="ProgramTimeoutException"/> past its time limit, <see cref="ProgramStartException"/> when it
/// could not start at all.
/// </remarks>
public sealed class ProgramRunner(RunningPrograms registry, TimeProvider time)
{
    public async Task<ProgramResult> RunAsync(ProgramRun run, CancellationToken stop)
    {
        stop.ThrowIfCancellationRequested();
        var output = new StringBuilder();
        var errorTail = new Queue<string>();
        var command = Cli.Wrap(run.FileName)
            // Escaped by CliWrap and split back by the runtime: every element arrives as exactly one argv entry.
            .WithArguments(run.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(run.Environment)
            .WithStandardOutputPipe(run.OnOutputLine is { } onLine
                ? OutputPipes.Lines(onLine)
                : OutputPipes.Text(output, run.MaxCollectedOutputChars))
            .WithStandardErrorPipe(OutputPipes.Lines(line =>
            {
                if (string.IsNullOrWhiteSpace(line)) return;
                lock (errorTail)
                {
                    errorTail.Enqueue(line);
                    while (errorTail.Count > run.ErrorTailLines) errorTail.Dequeue();
                }
            }));

        using var timedOut = run.Timeout is { } limit ? new CancellationTokenSource(limit, time) : new CancellationTokenSource();
        using var stoppedByRegistry = new CancellationTokenSource();
        using var graceful = CancellationTokenSource.CreateLinkedTokenSource(stop, timedOut.Token, stoppedByRegistry.Token);
        using var forceful = new CancellationTokenSource();
        using var finished = new CancellationTokenSource();
        await using var escalation = graceful.Token.Register(() => _ = ForceAfterGraceAsync(run.StopGracePeriod, forceful, finished.Token));

        CommandTask<CommandResult> task;
        try
        {
            task = command.ExecuteAsync(forceful.Token, graceful.Token);
        }
        catch (Exception error) when (error is Win32Exception or InvalidOperationException)
        {
            throw new ProgramStartException($"cannot start {run.FileName}: {error.Message}", error);
        }

        registry.Add(new RunningProgram(task.ProcessId, time.GetUtcNow(), run.ItemId, stoppedByRegistry, forceful, task.Task));
        try
        {
            var result = await task;
            lock (errorTail) return new ProgramResult(result.ExitCode, output.ToString(), errorTail.ToList());
        }
        catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !stop.IsCancellationRequested && !stoppedByRegistry.IsCancellationRequested)
        {
            throw new ProgramTimeoutException(run.FileName, run.Timeout!.Value);
        }
        catch (OperationCanceledException error) when (stop.IsCancellationRequested)
        {
            // The caller's token, so that callers can tell their own stop from any other.
            throw new OperationCanceledException(error.Message, error, stop);
        }
        catch (TimeoutException error) when (forceful.IsCancellationRequested)
        {
            // CliWrap could not see the killed process go (stuck in a hung disk or mount); the run ended all the same,
            // and as what it was stopped for, never as a verdict on the file.
            if (timedOut.IsCancellationRequested && !stop.IsCancellationRequested && !stoppedByRegistry.IsCancellationRequested)
                throw new ProgramTimeoutException(run.FileName, run.Timeout!.Value);
            throw new OperationCanceledException(error.Message, error, stop.IsCancellationRequested ? stop : CancellationToken.None);
        }
        finally
        {
            await finished.CancelAsync();
            registry.Remove(task.ProcessId);
        }
    }

    private async Task ForceAfterGraceAsync(TimeSpan gracePeriod, CancellationTokenSource forceful, CancellationToken finished)
    {
        try
        {
            if (gracePeriod > TimeSpan.Zero) await Task.Delay(gracePeriod, time, finished);
            await forceful.CancelAsync();
        }
        catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException)
        {
            // it exited within the grace period
        }
    }
}
