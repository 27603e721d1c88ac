using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Library;

/// <summary>
/// At start, places what the last run left unplaced: a placement that failed (recorded on the item), or one a crash
/// cut off between the file and its record (the file is recognised by its content, not placed twice).
/// Reads the finished items' records once, in the background; nothing runs without a library_path.
/// </summary>
public sealed class LibraryBacklog(BrokerSettings settings, ItemStore store, LibraryPlacer placer, ILogger<LibraryBacklog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.LibraryPath is null) return;
        await Task.Yield(); // the broker's start does not wait for this
        var query = new ItemQuery { Status = ItemStatus.FinishedSuccessful, Limit = ItemQuery.MaxLimit };
        var placed = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var page = store.List(query);
                foreach (var item in page.Items.Where(placer.Needs))
                {
                    await placer.PlaceAsync(item.ItemId, stoppingToken);
                    placed++;
                }
                if (page.NextAfter is not { } after) break;
                query = query with { After = after };
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return; // the next start goes on
        }
        catch (Exception error)
        {
            // The library is a convenience: its trouble must not stop the broker (a BackgroundService's exception would).
            logger.LogError(error, "Placing the unplaced items in the library stopped; the next start tries again");
        }
        if (placed > 0) logger.LogInformation("Tried again to place {Count} finished items in the library", placed);
    }
}
