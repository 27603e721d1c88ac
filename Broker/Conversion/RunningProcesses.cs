using System.Collections.Concurrent;
using System.Diagnostics;

namespace MediaBroker.Broker.Conversion;

/// <summary>A process the broker started and has not seen exit yet.</summary>
public sealed record RunningProcess(int Pid, DateTimeOffset StartedAt, Guid? ItemId, Process Process, CancellationTokenSource Stop);

/// <summary>Every child process the broker runs, so that shutdown can stop them all and threads.json can list them.</summary>
public sealed class RunningProcesses
{
    private readonly ConcurrentDictionary<int, RunningProcess> _running = new();

    public event Action? Changed;

    public IReadOnlyCollection<RunningProcess> All => _running.Values.ToList();

    public void Add(RunningProcess process)
    {
        _running[process.Pid] = process;
        Changed?.Invoke();
    }

    public void Remove(int pid)
    {
        if (_running.TryRemove(pid, out _)) Changed?.Invoke();
    }

    /// <summary>Asks every running process to stop (each is killed after its grace period) and waits for them to exit.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        // A process in this snapshot may finish meanwhile; its runner then disposes what it registered.
        var running = _running.Values.ToList();
        foreach (var process in running)
        {
            try { await process.Stop.CancelAsync(); }
            catch (ObjectDisposedException) { }
        }
        foreach (var process in running)
        {
            try
            {
                try { await process.Process.WaitForExitAsync(cancellationToken); }
                catch (OperationCanceledException) { process.Process.Kill(entireProcessTree: true); }
            }
            catch (Exception error) when (error is InvalidOperationException or ObjectDisposedException) { } // gone already
        }
    }
}
