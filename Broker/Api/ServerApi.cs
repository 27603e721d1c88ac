using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;

namespace MediaBroker.Broker.Api;

/// <summary><c>GET /api/server</c>: what this broker converts, and how busy and how full it is.</summary>
public static class ServerApi
{
    public static readonly string Version = typeof(ServerApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static IEndpointRouteBuilder MapServer(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/server", (ItemStore store, ThumbnailCache thumbnails, BrokerSettings settings, DiskSpace disk) =>
            TypedResults.Ok(Describe(store, thumbnails, settings, disk))).ForClientsOnly()
            .WithTags("Broker")
            .WithSummary("What this broker converts")
            .WithDescription("Version, media types and conversion types it converts, default conversion type per media type, conversion threads, "
                + "queue depth, free and used bytes, largest upload.");
        return app;
    }

    public static ServerInfo Describe(ItemStore store, ThumbnailCache thumbnails, BrokerSettings settings, DiskSpace disk) => new()
    {
        Version = Version,
        ListOfSupportedMediaTypes = settings.ListOfSupportedMediaTypes,
        ConversionTypes = OfferedConversionTypes(settings),
        DefaultConversionTypes = settings.DefaultConversionTypes
            .Where(entry => settings.SupportsMediaType(entry.Key))
            .ToDictionary(entry => entry.Key, entry => entry.Value),
        NumberOfConversionThreads = settings.NumberOfConversionThreads,
        Queue = store.Depth(),
        FreeBytes = disk.AvailableBytes(),
        // Thumbnails are the broker's disk use too (bounded by thumbnail_cache_bytes).
        UsedBytes = store.UsedBytes + thumbnails.Bytes,
        MaxUploadBytes = settings.MaxUploadBytes,
    };

    /// <summary>The conversion types whose media types this broker can convert (ffmpeg or libvips may be missing for some).</summary>
    public static Dictionary<string, ConversionTypeInfo> OfferedConversionTypes(BrokerSettings settings) => settings.ConversionTypes
        .Where(entry => entry.Value.MediaTypes.Any(settings.SupportsMediaType))
        .ToDictionary(entry => entry.Key, entry => new ConversionTypeInfo(entry.Value.MediaTypes, entry.Value.OutputExtension));
}
