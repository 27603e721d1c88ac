using MediaBroker.Broker.Api;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Serilog;
using Serilog.Extensions.Logging;

namespace MediaBroker.Broker.Hosting;

/// <summary>Builds a broker: recover the data folder first, then the web host with its features, one line each.</summary>
public static class BrokerApp
{
    public static async Task<WebApplication> CreateAsync(BrokerSettings settings, BrokerHostOptions? hostOptions = null)
    {
        hostOptions ??= new BrokerHostOptions();
        var data = new DataFolder(settings.DataPath);
        FolderSetting.EnsureCreated("data_path", data.Root, data.EnsureCreated);

        var serilog = BrokerLogging.Create(data.Logs, hostOptions.LogToConsole);
        var startupLogger = new SerilogLoggerFactory(serilog).CreateLogger("MediaBroker.Broker.Startup");
        var processes = new RunningProcesses();
        var runner = new ProcessRunner(processes, hostOptions.Time);
        var marker = RunMarker.Acquire(data);
        ItemStore store;
        try
        {
            var toolCheck = ToolCheck.EnsureAvailableAsync(settings, runner); // while recovery reads the folders
            if (!marker.PreviousRunStoppedCleanly) OrphanProcesses.KillLeftovers(data, startupLogger);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            store = await ItemStore.OpenAsync(data, hostOptions.Time, startupLogger, settings.KeepInputs, marker.PreviousRunStoppedCleanly);
            startupLogger.LogInformation("Opened {Count} items in {Milliseconds} ms ({How})", store.Depth().Total,
                clock.ElapsedMilliseconds, marker.PreviousRunStoppedCleanly ? "the last run stopped cleanly" : "the last run did not stop cleanly: every folder checked");
            await toolCheck;
        }
        catch
        {
            marker.Dispose();
            await serilog.DisposeAsync();
            throw;
        }
        var disk = new DiskSpace(data.Root);
        var receiver = new UploadReceiver(data, settings, disk);
        receiver.RemoveAbandoned();
        var uploads = new UploadStore(data, settings, receiver, hostOptions.Time);
        uploads.Load();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders().AddSerilog(serilog, dispose: true);
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, settings));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(9));
        builder.Services.ConfigureHttpJsonOptions(json => WireJson.Apply(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        // The slim builder leaves the regex route constraint out; upload ids are matched with one.
        builder.Services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<RegexInlineRouteConstraint>("regex"));

        // Made by a factory so that the container disposes it (writing the final snapshot) if the host never runs.
        builder.Services.AddSingleton(_ => new FinalSnapshot(store, marker));
        builder.Services.AddSingleton(settings).AddSingleton(hostOptions.Time).AddSingleton(data).AddSingleton(store)
            .AddSingleton(disk).AddSingleton(receiver).AddSingleton(uploads).AddSingleton(processes).AddSingleton(runner);
        builder.Services.AddSingleton<DataFolderLoss>().AddSingleton<MediaProbe>().AddSingleton<ItemIngest>().AddSingleton<UploadCompletion>();
        builder.Services.AddSingleton<ConversionJobs>().AddSingleton<ConversionQueue>().AddSingleton<ItemConverter>()
            .AddSingleton<ThumbnailMaker>().AddSingleton<ThreadsIndex>();
        // Hosted services stop in reverse order: workers first (items back to to_do), then stray processes, then the index.
        builder.Services.AddHostedService<IndexWriter>();
        builder.Services.AddHostedService<ProcessReaper>();
        builder.Services.AddHostedService<ConversionWorkers>();
        builder.Services.AddHostedService<UploadSweeper>();

        var app = builder.Build();
        app.Services.GetRequiredService<ThreadsIndex>().Write(); // nothing runs yet
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseProblemResponses();
        app.UseTusMethodOverride();
        app.UseRouting();
        app.MapItems();
        app.MapUploads();
        app.MapServer();

        var finalSnapshot = app.Services.GetRequiredService<FinalSnapshot>();
        app.Lifetime.ApplicationStopped.Register(finalSnapshot.Complete);
        app.Lifetime.ApplicationStarted.Register(() => startupLogger.LogInformation(
            "MediaBroker broker {Version} listening on {Url}; data in {Data}; {Threads} conversion threads; {Queued} items to do",
            ServerApi.Version, ListeningUrl(app), data.Root, settings.NumberOfConversionThreads, store.Depth().ToDo));
        return app;
    }

    /// <summary>The address the broker really listens on (port 0 in settings means "any free port").</summary>
    public static string ListeningUrl(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(not listening)";

    private static void ConfigureKestrel(KestrelServerOptions kestrel, BrokerSettings settings)
    {
        var address = settings.ListenAddress switch
        {
            "localhost" => System.Net.IPAddress.Loopback,
            "*" => System.Net.IPAddress.IPv6Any,
            var text => System.Net.IPAddress.Parse(text),
        };
        kestrel.Listen(address, settings.ListenOnPort);
        kestrel.AddServerHeader = false;
        // Uploads have their own idle timeout (stalled_request_timeout_seconds, see IdleTimeoutStream); Kestrel's rate
        // limit stays as the safety net for every other request.
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
    }
}
