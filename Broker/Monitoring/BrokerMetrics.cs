using MediaBroker.Broker.Api;
using MediaBroker.Broker.Auth;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using Prometheus;

namespace MediaBroker.Broker.Monitoring;

/// <summary>
/// <c>GET /metrics</c>, in the Prometheus text format (prometheus-net writes it): the broker's figures, read from
/// <see cref="BrokerFigures"/> at scrape time; the bytes through its doors (<see cref="TransferMeter"/>); how long
/// items spend in each phase (<see cref="PhaseHistograms"/>); and the process's memory and CPU (prometheus-net's own
/// <c>process_*</c> and <c>dotnet_*</c>). Each broker has a registry of its own, so that several brokers in one process
/// (the tests) never mix their numbers.
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    /// <summary>The broker's registry, with prometheus-net's process and runtime collectors in it.</summary>
    public static CollectorRegistry NewRegistry()
    {
        var registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        return registry;
    }

    private static async Task ExportAsync(HttpContext context, BrokerMetrics metrics, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8"; // the text exposition format's own type
        context.Response.Headers.CacheControl = "no-store";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, cancellationToken);
    }

    public static IEndpointRouteBuilder MapBrokerMetrics(this IEndpointRouteBuilder app)
    {
        // Admin tokens only, like the token list: the names of conversion types and how busy the broker is are the
        // administrator's business. Without tokens, a loopback broker lets the anonymous caller (an admin there) in.
        // A route handler (not prometheus-net's MapMetrics middleware) so that the API document describes it like any other.
        app.MapGet(Path, ExportAsync).ForAdminsOnly()
            .WithTags("Health")
            .WithSummary("Metrics in the Prometheus text format")
            .WithDescription("Items per state, conversions done and failed and space saved per conversion type, storage, bytes received "
                + "and served, each item's seconds per phase (receiving, hashing, probing, waiting, converting, verifying, waiting to be "
                + "fetched) as histograms, and the process's memory and CPU. Admin tokens only.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return app;
    }
}

/// <summary>The gauges of the broker's figures, set from <see cref="BrokerFigures.Shared"/> just before each scrape.</summary>
public sealed class BrokerMetrics
{
    private readonly BrokerFigures _figures;
    private readonly Gauge _items;
    private readonly Gauge _conversions;
    private readonly Gauge _saved;
    private readonly Gauge _used;
    private readonly Gauge _free;
    private readonly Gauge _kept;
    private readonly Gauge _removed;

    public BrokerMetrics(CollectorRegistry registry, BrokerFigures figures)
    {
        Registry = registry;
        _figures = figures;
        var factory = Metrics.WithCustomRegistry(registry);
        _items = factory.CreateGauge("mediabroker_items", "Items on the broker, per state.", "state");
        _conversions = factory.CreateGauge("mediabroker_conversions",
            "Finished conversions of the items the broker holds, per conversion type and result (done or failed); falls when items are deleted.",
            "conversion_type", "result");
        _saved = factory.CreateGauge("mediabroker_space_saved_bytes",
            "Bytes the outputs of the items the broker holds save against their inputs, per conversion type (negative where outputs came out larger).",
            "conversion_type");
        _used = factory.CreateGauge("mediabroker_storage_used_bytes", "Bytes the broker's items and thumbnails take on disk.");
        _free = factory.CreateGauge("mediabroker_storage_free_bytes", "Bytes free on the disk of the broker's data folder.");
        _kept = factory.CreateGauge("mediabroker_storage_kept_bytes",
            "Bytes of item files on disk, per reason they are kept: queued, awaiting_fetch, fetched (within keep_finished_hours), failed.", "reason");
        _removed = factory.CreateGauge("mediabroker_items_files_removed",
            "Items whose files were removed (keep_finished_hours, keep_failed_days); their records stay.");
        registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The figures as they are now: the same ones the dashboard shows, computed from memory, never recounted.</summary>
    private void Refresh()
    {
        var stats = _figures.Shared();
        var depth = stats.Queue;
        foreach (var status in ItemStatuses.All)
            _items.WithLabels(status.WireName()).Set(status switch
            {
                ItemStatus.ToDo => depth.ToDo,
                ItemStatus.InProgress => depth.InProgress,
                ItemStatus.FinishedSuccessful => depth.FinishedSuccessful,
                _ => depth.FinishedWithErrors,
            });

        // Every type offered appears, finished items or not, so that a series exists before its first conversion.
        var types = stats.ConversionTypes.Union(stats.ByConversionType.Keys, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        var none = new ConversionFigures(0, 0, 0, 0);
        foreach (var type in types)
        {
            var figures = stats.ByConversionType.GetValueOrDefault(type, none);
            _conversions.WithLabels(type, "done").Set(figures.Done);
            _conversions.WithLabels(type, "failed").Set(figures.Failed);
            _saved.WithLabels(type).Set(figures.SavedBytes);
        }
        // A type whose items are all gone and that is no longer offered leaves no stale series behind.
        foreach (var labels in _conversions.GetAllLabelValues().Where(labels => !types.Contains(labels[0])).ToList())
            _conversions.RemoveLabelled(labels);
        foreach (var labels in _saved.GetAllLabelValues().Where(labels => !types.Contains(labels[0])).ToList())
            _saved.RemoveLabelled(labels);

        _used.Set(stats.Storage.UsedBytes);
        _free.Set(stats.Storage.FreeBytes);
        if (stats.Storage.Kept is { } kept)
        {
            _kept.WithLabels("queued").Set(kept.QueuedBytes);
            _kept.WithLabels("awaiting_fetch").Set(kept.AwaitingFetchBytes);
            _kept.WithLabels("fetched").Set(kept.FetchedBytes);
            _kept.WithLabels("failed").Set(kept.FailedBytes);
            _removed.Set(kept.RemovedItems);
        }
    }
}
