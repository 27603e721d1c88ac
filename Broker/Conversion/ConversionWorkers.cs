using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Conversion;

/// <summary>number_of_conversion_threads loops, each converting one item at a time from the queue.</summary>
public sealed class ConversionWorkers(ConversionQueue queue, ItemConverter converter, DataFolderLoss loss, BrokerSettings settings) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.NumberOfConversionThreads).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var itemId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await loss.WaitUntilRestoredAsync(stoppingToken);
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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
