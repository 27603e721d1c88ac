using System.Threading.Channels;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// The items waiting for their input from a link, fetched <see cref="ConcurrentFetches"/> at a time, first in first
/// out. Fed like the conversion queue, by the store's changes (wired in <see cref="Hosting.BrokerLifecycle"/>):
/// whatever makes an item await its input (a new link, a retry) queues it, and at start every item still awaiting its
/// input (a stop or a crash cut its fetch) is queued again; the bytes already fetched stay, and the fetch resumes.
/// A stop cancels the fetches and leaves their items as they are; a DELETE stops the item's fetch first.
/// </summary>
public sealed class LinkFetches(LinkFetch fetch, ILogger<LinkFetches> logger) : BackgroundService
{
    /// <summary>Fetches at once: enough to keep a slow server from holding up every link, few enough not to starve uploads.</summary>
    public const int ConcurrentFetches = 2;

    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();
    // The same registry conversions use: a DELETE finds the running fetch of its item, stops it and waits for it.
    private readonly ConversionJobs _jobs = new();

    /// <summary>Queues an item that has just started to await its input.</summary>
    public void OnItemChanged(Item? before, Item? after)
    {
        if (after is not null && after.IsAwaitingInput() && before?.IsAwaitingInput() != true) _queue.Writer.TryWrite(after.ItemId);
    }

    /// <summary>Puts items in line (those found awaiting input at start). An id queued twice is harmless: only an item still awaiting input is fetched.</summary>
    public void Add(IEnumerable<Guid> itemIds)
    {
        foreach (var itemId in itemIds) _queue.Writer.TryWrite(itemId);
    }

    /// <summary>Stops the item's fetch, if one runs, and waits until it has let go of the item's folder.</summary>
    public Task StopForDeletionAsync(Guid itemId, CancellationToken cancellationToken) => _jobs.StopForDeletionAsync(itemId, cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, ConcurrentFetches).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var itemId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                var job = _jobs.Start(itemId, stoppingToken);
                try
                {
                    await fetch.RunAsync(itemId, job);
                }
                catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Not even the outcome could be recorded (a full disk): the item stays awaiting input, fetched again at the next start.
                    logger.LogError(error, "Could not record what happened to the fetch of item {ItemId}", itemId);
                }
                finally
                {
                    _jobs.Finish(job);
                    job.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
