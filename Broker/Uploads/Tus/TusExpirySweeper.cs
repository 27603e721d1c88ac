namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>
/// The expiration extension's cleaner: every so often, removes uploads that saw no byte for upload_expiry_hours
/// (and receipts of finished ones past the same time). At start it first finishes uploads a stop interrupted.
/// </summary>
public sealed class TusExpirySweeper(TusUploadStore uploads, TusCompletion completion, TimeProvider time, ILogger<TusExpirySweeper> logger) : BackgroundService
{
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(uploads.Expiry.Ticks / 10, TimeSpan.TicksPerSecond / 2, TimeSpan.TicksPerMinute * 5));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await completion.ResumeInterruptedAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                Sweep();
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public int Sweep()
    {
        var now = time.GetUtcNow();
        var removed = 0;
        foreach (var record in uploads.All.Where(record => record.ExpiresAt < now).ToList())
        {
            using var held = uploads.TryLock(record.UploadId);
            if (held is null) continue; // bytes are arriving right now
            // Looked at again under the lock: a PATCH that ended a moment ago pushed the expiry back.
            if (uploads.Get(record.UploadId) is not { } current || current.ExpiresAt >= now) continue;
            uploads.Remove(record.UploadId);
            removed++;
            if (record.ItemId is null)
                logger.LogInformation("Upload {UploadId} ({FileName}) expired after {Hours} h without a byte; removed", record.UploadId, record.FileName, uploads.Expiry.TotalHours);
        }
        return removed;
    }
}
