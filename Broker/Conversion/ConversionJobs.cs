using System.Collections.Concurrent;

namespace MediaBroker.Broker.Conversion;

/// <summary>Why a running conversion was stopped; decides what happens to its item.</summary>
public enum StopReason { None, Shutdown, Deleted }

/// <summary>A conversion in flight: its item, the means to stop it, and a signal once it is fully cleaned up.</summary>
public sealed class ConversionJob(Guid itemId, CancellationToken stopping) : IDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken _stopping = stopping;

    public Guid ItemId { get; } = itemId;
    public CancellationToken Token => _stop.Token;
    public StopReason Reason { get; private set; }
    public Task Finished => _finished.Task;

    public StopReason EffectiveReason => Reason != StopReason.None ? Reason : _stopping.IsCancellationRequested ? StopReason.Shutdown : StopReason.None;

    public void Stop(StopReason reason)
    {
        Reason = reason;
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { } // it finished in the meantime
    }

    public void MarkFinished() => _finished.TrySetResult();

    public void Dispose() => _stop.Dispose();
}

/// <summary>The conversions running now, by item, so that a DELETE can stop the one it concerns.</summary>
public sealed class ConversionJobs
{
    private readonly ConcurrentDictionary<Guid, ConversionJob> _jobs = new();

    public ConversionJob Start(Guid itemId, CancellationToken stopping)
    {
        var job = new ConversionJob(itemId, stopping);
        _jobs[itemId] = job;
        return job;
    }

    public void Finish(ConversionJob job)
    {
        _jobs.TryRemove(new KeyValuePair<Guid, ConversionJob>(job.ItemId, job));
        job.MarkFinished();
    }

    /// <summary>Stops the item's conversion, if one runs, and waits until its ffmpeg is gone and its partial output deleted.</summary>
    public async Task StopForDeletionAsync(Guid itemId, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(itemId, out var job)) return;
        job.Stop(StopReason.Deleted);
        await job.Finished.WaitAsync(cancellationToken);
    }
}
