namespace MediaBroker.Broker.Storage;

/// <summary>
/// Keeps the index on disk in shape, in the background: writes journal lines a full disk held back, and merges a new
/// index.json once the journal has grown to its share of the old one (see <see cref="StoreIndex"/>). A burst of
/// changes costs one look; changes go on while a snapshot is merged.
/// </summary>
public sealed class IndexWriter(ItemStore store, TimeProvider time, ILogger<IndexWriter> logger) : BackgroundService
{
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _dirty = new(0, 1);

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
                // Lines held back by a full disk are tried again even when nothing changes.
                var waitFor = store.Index.Pending > 0 ? RetryDelay : Timeout.InfiniteTimeSpan;
                await _dirty.WaitAsync(waitFor, stoppingToken);
                await Task.Delay(CoalesceDelay, time, stoppingToken);
                var pause = await WriteAsync(CancellationToken.None);
                await Task.Delay(pause, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>The pause before the next look: none, or a wait before a retry.</returns>
    public async Task<TimeSpan> WriteAsync(CancellationToken cancellationToken)
    {
        if (!store.Index.RetryPending()) return RetryDelay;
        if (!store.Index.SnapshotIsDue) return TimeSpan.Zero;
        try
        {
            await store.WriteIndexAsync(cancellationToken);
            return TimeSpan.Zero;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // The previous index.json is intact (atomic write) and the journal still holds every change: retry later.
            logger.LogError("Could not write index.json: {Reason}; retrying in {Delay}", error.Message, RetryDelay);
            MarkDirty();
            return RetryDelay;
        }
    }
}
