using System.IO.Abstractions;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Writes index.json in the background, coalescing changes: a burst of changes costs one write, and the pause after
/// a write grows with how long it took, so that at 100,000 items the index never eats more than a third of a core.
/// The item folders stay the truth in between; the last snapshot is written once the broker has stopped
/// (see <see cref="Hosting.BrokerLifecycle"/>), when nothing can change any more.
/// </summary>
public sealed class IndexWriter(ItemStore store, IFileSystem files, TimeProvider time, ILogger<IndexWriter> logger) : BackgroundService
{
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _dirty = new(0, 1);
    private long _writtenVersion = -1;

    /// <summary>Called for every persisted change of the store (wired in <see cref="Hosting.BrokerLifecycle"/>).</summary>
    public void MarkDirty()
    {
        try { if (_dirty.CurrentCount == 0) _dirty.Release(); }
        catch (SemaphoreFullException) { } // already marked
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _dirty.WaitAsync(stoppingToken);
                await Task.Delay(CoalesceDelay, time, stoppingToken);
                var took = await WriteAsync(CancellationToken.None);
                await Task.Delay(took * 2, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>How long the write took (the pause before the next grows with it), or the pause before a retry.</returns>
    public async Task<TimeSpan> WriteAsync(CancellationToken cancellationToken)
    {
        var snapshot = store.Snapshot();
        if (snapshot.Version == Interlocked.Read(ref _writtenVersion)) return TimeSpan.Zero;
        var started = time.GetTimestamp();
        try
        {
            await IndexFile.WriteAsync(files, store.Data.IndexFile, snapshot, cancellationToken);
            Interlocked.Exchange(ref _writtenVersion, snapshot.Version);
            return time.GetElapsedTime(started);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The previous index.json is intact (atomic write) and item.json files hold every change: retry later.
            logger.LogError("Could not write index.json: {Reason}; retrying in {Delay}", error.Message, RetryDelay);
            MarkDirty();
            return RetryDelay;
        }
    }
}
