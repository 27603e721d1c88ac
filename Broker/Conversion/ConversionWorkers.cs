using MediaBroker.Broker.Configuration;

namespace MediaBroker.Broker.Conversion;

/// <summary>number_of_conversion_threads loops, each converting one item at a time from the queue.</summary>
public sealed class ConversionWorkers(ConversionQueue queue, ItemConverter converter, BrokerSettings settings) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.NumberOfConversionThreads).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var itemId in queue.Reader.ReadAllAsync(stoppingToken))
                await converter.ConvertAsync(itemId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
