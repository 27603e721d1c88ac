using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Shared.Api;

namespace MediaBroker.Broker.Api;

/// <summary><c>GET /api/stats</c>: the figures of the dashboard's broker panel (queue, storage, space saved, running conversions).</summary>
public static class StatsApi
{
    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/stats", (Caller caller, BrokerFigures figures) => TypedResults.Ok(figures.For(caller))).ForClientsOnly()
            .WithTags("Broker")
            .WithSummary("The broker's figures")
            .WithDescription("What the dashboard's broker panel shows: items per state, storage (with the bytes kept by reason: queued, awaiting fetch, fetched "
                + "within keep_finished_hours, failed; and the items down to their record), space saved per conversion type, conversions done and "
                + "failed, and the running conversions (a client token: its own).");
        return app;
    }
}

/// <summary>Gathers the broker's figures from memory and the disk's free space: cheap enough to run every second.</summary>
public sealed class BrokerFigures(ItemStore store, ThumbnailCache thumbnails, BrokerSettings settings, DiskSpace disk, TimeProvider time)
{
    /// <summary>The figures every caller may see; no running conversions, whose names belong to their owners.</summary>
    public BrokerStats Shared()
    {
        var (byType, byClient) = store.Totals();
        var depth = store.Depth();
        var perType = byType.Where(entry => entry.Value.Converted + entry.Value.Failed > 0).OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .ToDictionary(entry => entry.Key, entry => Figures(entry.Value));
        return new BrokerStats
        {
            Version = ServerApi.Version,
            ConversionTypes = [.. ServerApi.OfferedConversionTypes(settings).Keys.Order(StringComparer.Ordinal)],
            ListOfSupportedMediaTypes = settings.ListOfSupportedMediaTypes,
            NumberOfConversionThreads = settings.NumberOfConversionThreads,
            Queue = depth,
            Storage = new StorageFigures(store.UsedBytes + thumbnails.Bytes, disk.AvailableBytes(), thumbnails.Bytes, depth.Total) { Kept = store.Kept() },
            Converted = perType.Values.Aggregate(new ConversionFigures(0, 0, 0, 0),
                (sum, one) => new ConversionFigures(sum.Done + one.Done, sum.Failed + one.Failed, sum.InputBytes + one.InputBytes, sum.OutputBytes + one.OutputBytes)),
            ByConversionType = perType,
            Clients = [.. byClient.Keys.Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>The figures as <paramref name="caller"/> may see them: a client token sees its own client and running items only.</summary>
    public BrokerStats For(Caller caller)
    {
        var now = time.GetUtcNow();
        var shared = Shared();
        return shared with
        {
            Clients = caller.IsAdmin ? shared.Clients : [.. shared.Clients.Where(caller.Sees)],
            Running = [.. store.Running().Where(caller.Sees).OrderBy(item => item.StartedAt).Select(item => new RunningConversion(
                item.ItemId, item.OriginalFileName, item.ConversionType, item.StartedAt,
                item.StartedAt is { } started ? Math.Max(0, (now - started).TotalSeconds) : 0, item.Progress, item.Fps, item.Speed, item.EtaSeconds))],
        };
    }

    private static ConversionFigures Figures(ConversionTotals totals) => new(totals.Converted, totals.Failed, totals.InputBytes, totals.OutputBytes);
}
