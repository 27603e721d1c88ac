using System.Collections.Concurrent;

namespace MediaBroker.Broker.Media;

/// <summary>A program the broker started and has not seen exit yet.</summary>
/// <param name="Stop">Asks it to stop (gracefully, then forcefully after its grace period).</param>
/// <param name="Kill">Kills it (and what it started) at once.</param>
/// <param name="Exited">Completes once the process is gone, however it ended.</param>
public sealed record RunningProgram(int Pid, DateTimeOffset StartedAt, Guid? ItemId, CancellationTokenSource Stop, CancellationTokenSource Kill, Task Exited);

/// <summary>Every program the broker runs, so that shutdown can stop them all and threads.json can list them.</summary>
public sealed class RunningPrograms
{
    private readonly ConcurrentDictionary<int, RunningProgram> _running = new();

    /// <summary>Raised after a program starts or exits.</summary>
    public event Action? Changed;

    public IReadOnlyCollection<RunningProgram> All => _running.Values.ToList();

    public void Add(RunningProgram program)
    {
        _running[program.Pid] = program;
        Changed?.Invoke();
    }

    public void Remove(int pid)
    {
        if (_running.TryRemove(pid, out _)) Changed?.Invoke();
    }

    /// <summary>
    /// Stops every running program (each is killed after its grace period) and waits until all have exited. When
    /// <paramref name="cancellationToken"/> says the host's patience is over, what still runs is killed at once: the
    /// broker may exit next, and its grace-period timers with it.
    /// </summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        var running = _running.Values.ToList();
        foreach (var program in running) Cancel(program.Stop);
        try
        {
            await Task.WhenAll(running.Select(program => program.Exited)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            foreach (var program in _running.Values) Cancel(program.Kill);
        }
        catch (Exception)
        {
            // Each run reports how it ended to its own caller; here only "gone" matters.
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try { source.Cancel(); }
        catch (ObjectDisposedException) { } // it ended meanwhile
    }
}
