using System.Threading.Channels;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Retention;

/// <summary>
/// Keeps a broker from holding a second copy of every library: every so often (and once at start, after recovery)
/// removes the files of finished items that are no longer needed, keeping their records (see
/// <see cref="ItemStore.RemoveFilesAsync"/>):
/// an output its client said it placed (<c>POST /api/items/{id}/fetched</c>), keep_finished_hours after that; an
/// output nobody said they fetched, and the input of a failed item, keep_failed_days after the item finished.
/// Items being converted are never finished; items whose output is being downloaded are left for the next sweep.
/// </summary>
public sealed class FinishedFilesSweeper(ItemStore store, BrokerSettings settings, TimeProvider time, ILogger<FinishedFilesSweeper> logger) : BackgroundService
{
    // A sweep at most every few minutes, and ten times within the shortest keep time: a grace time ends at most 10% late.
    private static readonly TimeSpan LongestInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(30);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public TimeSpan KeepFetched => TimeSpan.FromHours(settings.KeepFinishedHours);

    public TimeSpan KeepUnfetched => TimeSpan.FromDays(settings.KeepFailedDays);

    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(Math.Min(KeepFetched.Ticks, KeepUnfetched.Ticks) / 10,
        ShortestInterval.Ticks, LongestInterval.Ticks));

    /// <summary>A client placed an output: with no grace time (keep_finished_hours 0) its files go now, not at the next sweep.</summary>
    public void OutputFetched()
    {
        if (KeepFetched <= TimeSpan.Zero) _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task<bool>? woken = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await SweepAsync(stoppingToken);
                woken ??= _wake.Reader.WaitToReadAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(Task.Delay(Interval, time, stoppingToken), woken) == woken)
                {
                    woken = null;
                    _wake.Reader.TryRead(out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>How many items had their files removed.</returns>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var removed = 0;
        foreach (var itemId in store.FilesDue(now - KeepFetched, now - KeepUnfetched))
        {
            try
            {
                // Looked at again under the item's lock: a retry or a new fetch a moment ago changed what is due.
                if (await store.RemoveFilesAsync(itemId, item => ReasonToRemove(item, now), cancellationToken) is not { } freed) continue;
                removed++;
                logger.LogInformation("Removed the files of {ItemId} ({FileName}): {Reason}; its record stays", freed.ItemId, freed.OriginalFileName,
                    Describe(freed.FilesRemovedBecause!.Value));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not remove the files of {ItemId} yet: {Reason}; tried again at the next sweep", itemId, error.Message);
            }
        }
        return removed;
    }

    /// <summary>Why the item's files may go now, or null when they stay.</summary>
    public FilesRemovalReason? ReasonToRemove(Item item, DateTimeOffset now) => item switch
    {
        { FilesRemovedAt: not null } => null,
        { Status: ItemStatus.FinishedSuccessful, FetchedAt: { } fetched } when now - fetched >= KeepFetched => FilesRemovalReason.Fetched,
        { Status: ItemStatus.FinishedSuccessful, FetchedAt: null, FinishedAt: { } finished } when now - finished >= KeepUnfetched => FilesRemovalReason.NotFetched,
        { Status: ItemStatus.FinishedWithErrors, FinishedAt: { } failed } when now - failed >= KeepUnfetched => FilesRemovalReason.Failed,
        _ => null,
    };

    private string Describe(FilesRemovalReason reason) => reason switch
    {
        FilesRemovalReason.Fetched => $"its client placed the output {settings.KeepFinishedHours} h ago (keep_finished_hours)",
        FilesRemovalReason.NotFetched => $"no client fetched the output within {settings.KeepFailedDays} days (keep_failed_days)",
        _ => $"the failed conversion was not retried within {settings.KeepFailedDays} days (keep_failed_days)",
    };
}
