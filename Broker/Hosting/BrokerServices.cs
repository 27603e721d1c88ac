using MediaBroker.Broker.Api;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Events;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Health;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Pictures;
using MediaBroker.Broker.Retention;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Broker.Uploads.Tus;

namespace MediaBroker.Broker.Hosting;

/// <summary>Every part of a broker, by capability in the order the data flows; started and stopped by <see cref="BrokerLifecycle"/>.</summary>
public static class BrokerServices
{
    public static IServiceCollection AddBroker(this IServiceCollection services, BrokerSettings settings, BrokerHostOptions host, DataFolder data)
    {
        services.AddSingleton(settings).AddSingleton(host.Time).AddSingleton(host.Files).AddSingleton(data);

        // Uploads: one-shot and resumable (tus), meeting in Ingest.
        services.AddSingleton<OneShotReceiver>();
        services.AddSingleton<TusUploadStore>().AddSingleton<TusCompletion>().AddSingleton<TusExpirySweeper>();
        services.AddSingleton<UploadLimits>().AddSingleton<ItemIngest>();

        // Links: items whose input the broker fetches itself from a URL (directly, or through yt-dlp, every address
        // checked), then ingests as an upload.
        services.AddInputFetching();
        services.AddSingleton<LinkItems>().AddSingleton<LinkFetch>().AddSingleton<LinkFetches>();

        // Storage: the item folders, index.json, the disk.
        services.AddSingleton<ItemStore>().AddSingleton<IndexWriter>().AddSingleton<DiskSpace>().AddSingleton<DataFolderLoss>();
        // Retention: the files of finished items go once they are no longer needed; their records stay.
        services.AddSingleton<FinishedFilesSweeper>();

        // Media: running ffmpeg and ffprobe; pictures in-process with libvips; what an arriving file is.
        services.AddSingleton<RunningPrograms>().AddSingleton<ProgramRunner>().AddSingleton<MediaProbe>();
        services.AddSingleton<PictureReader>().AddSingleton<MediaInspector>();

        // Thumbnails: made in a small pool, kept in a bounded cache.
        services.AddSingleton<FrameGrabber>().AddSingleton<ThumbnailMaker>().AddSingleton<ThumbnailCache>();

        // Conversion: the queue, the workers, threads.json.
        services.AddSingleton<ConversionQueue>().AddSingleton<ConversionJobs>().AddSingleton<ItemConverter>()
            .AddSingleton<FfmpegConversion>().AddSingleton<PictureConversion>()
            .AddSingleton<ConversionWorkers>().AddSingleton<ThreadsIndex>();

        // Library: finished outputs placed for Plex or Jellyfin, and what a crash or a full disk left unplaced.
        services.AddSingleton<LibraryPlacer>();

        // Live view: the figures, and the events the dashboard follows.
        services.AddSingleton<BrokerFigures>().AddSingleton<EventHub>().AddSingleton<FiguresPublisher>();

        // Health: whether the broker can take work now.
        services.AddSingleton<Readiness>();

        // Metrics (/metrics): a registry per broker, the figures at scrape time, bytes through the doors, phase histograms.
        services.AddSingleton(_ => MetricsApi.NewRegistry());
        services.AddSingleton<BrokerMetrics>().AddSingleton<TransferMeter>().AddSingleton<PhaseHistograms>();

        services.AddHostedService<BrokerLifecycle>();
        // After the lifecycle, whose start recovers the items it goes through.
        services.AddHostedService<LibraryBacklog>();
        return services;
    }
}
