using System.Collections.Concurrent;

namespace MediaBroker.Broker.Media;

/// <summary>A program the broker started and has not seen exit yet.</summary>
/// <param name="Stop">Asks it to stop (gracefully, then forcefully after its grace period).</param>
/// <param name="Exited">Completes once the process is gone, however it ended.</param>
public sealed record RunningProgram(int Pid, DateTimeOffset StartedAt, Guid? ItemId, CancellationTokenSource Stop, Task Exited);

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

    /// <summary>Stops every running program (each is killed after its grace period) and waits until all have exited.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        var running = _running.Values.ToList();
        foreach (var program in running)
        {
            try { await program.Stop.CancelAsync(); }
            catch (ObjectDisposedException) { } // it ended meanwhile
        }
        try
        {
            await Task.WhenAll(running.Select(program => program.Exited)).WaitAsync(cancellationToken);
        }
        catch (Exception)
        {
            // Each run reports how it ended to its own caller; here only "gone", or the host's patience, matters.
        }
    }
}
