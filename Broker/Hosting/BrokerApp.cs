using MediaBroker.Broker.Api;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Json;
using MediaBroker.Shared.Reliability;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Routing.Constraints;
using Serilog;

namespace MediaBroker.Broker.Hosting;

/// <summary>Builds a broker: its data folder and log, the web host, its parts (<see cref="BrokerServices"/>) and its API.</summary>
public static class BrokerApp
{
    public static WebApplication Create(BrokerSettings settings, BrokerHostOptions? hostOptions = null)
    {
        hostOptions ??= new BrokerHostOptions();
        var data = new DataFolder(settings.DataPath, hostOptions.Files);
        CrashPoints.AddRoot(data.Root, "<data>");
        FolderSetting.EnsureCreated("data_path", data.Root, data.EnsureCreated);
        if (settings.LibraryPath is { } library)
        {
            CrashPoints.AddRoot(library, "<library>");
            FolderSetting.EnsureCreated("library_path", library, () => hostOptions.Files.Directory.CreateDirectory(library));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSerilog(BrokerLogging.Create(data.Logs, hostOptions.LogToConsole), dispose: true);
        // Under systemd (media-broker.service, Type=notify): READY=1 once the host has started, which is after
        // BrokerLifecycle.StartingAsync (recovery) and Kestrel's start; STOPPING=1 on SIGTERM. Elsewhere it does nothing.
        builder.Host.UseSystemd();
        builder.WebHost.ConfigureKestrel(kestrel => KestrelSetup.Apply(kestrel, settings));
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, ReceiveBufferPoolFactory>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(9));
        builder.Services.ConfigureHttpJsonOptions(json => WireJson.Apply(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        // The slim builder leaves the regex route constraint out; upload ids are matched with one.
        builder.Services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<RegexInlineRouteConstraint>("regex"));
        builder.Services.AddBrokerAccess(settings);
        builder.Services.AddApiReference();
        builder.Services.AddBroker(settings, hostOptions, data);

        var app = builder.Build();
        app.UseSerilogRequestLogging(BrokerLogging.ConfigureRequestLog);
        app.MapBrokerApi();
        return app;
    }

    /// <summary>The address the broker really listens on (port 0 in settings means "any free port").</summary>
    public static string ListeningUrl(WebApplication app) => BrokerLifecycle.ListeningUrl(app.Services.GetRequiredService<IServer>());
}
