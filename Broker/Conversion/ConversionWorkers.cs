using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Conversion;

/// <summary>number_of_conversion_threads loops, each converting one item at a time from the queue.</summary>
public sealed class ConversionWorkers(ConversionQueue queue, ItemConverter converter, DataFolderLoss loss, DiskSpace disk, BrokerSettings settings,
    TimeProvider time, ILogger<ConversionWorkers> logger) : BackgroundService
{
    private static readonly TimeSpan RoomCheck = TimeSpan.FromSeconds(5);
    private int _waitingForRoom;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.NumberOfConversionThreads).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var itemId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await loss.WaitUntilRestoredAsync(stoppingToken);
                await WaitForRoomAsync(stoppingToken);
                try
                {
                    await converter.ConvertAsync(itemId, stoppingToken);
                }
                catch (Exception) when (loss.IsLost)
                {
                    // Lost while claiming the item: it is still in to_do, so it goes back in line.
                    await loss.WaitUntilRestoredAsync(stoppingToken);
                    queue.Add([itemId]);
                }
                catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Not even the outcome could be recorded (a full disk): the worker lives on, and the item waits
                    // in in_progress until it can go back in line.
                    logger.LogError(error, "Could not record what happened to item {ItemId}", itemId);
                    await converter.RequeueWhenPossibleAsync(itemId, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Below min_free_bytes a conversion would only fill the disk further: conversions wait until there is room.</summary>
    private async Task WaitForRoomAsync(CancellationToken stoppingToken)
    {
        if (disk.AvailableBytes() >= settings.MinFreeBytes) return;
        if (Interlocked.Exchange(ref _waitingForRoom, 1) == 0)
            logger.LogWarning("Conversions pause: {Free} bytes free, and min_free_bytes is {Floor}", disk.AvailableBytes(), settings.MinFreeBytes);
        while (disk.AvailableBytes() < settings.MinFreeBytes) await Task.Delay(RoomCheck, time, stoppingToken);
        if (Interlocked.Exchange(ref _waitingForRoom, 0) == 1) logger.LogInformation("There is room again; conversions go on");
    }
}
