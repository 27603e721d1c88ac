using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client watch</c>: the daemon; runs passes as files arrive and brokers work, until SIGTERM or Ctrl-C.</summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var config = ConfigOption();
        var command = new Command("watch", "Run as a daemon: watch the folders, hand files over, fetch outputs; stops cleanly on Ctrl-C or SIGTERM.") { config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: true, verbose: true, RunAsync));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().AddSerilog(context.Serilog);
        builder.Services.AddSingleton(context);
        // Under systemd (media-client.service, Type=notify): READY=1 once started, STOPPING=1 on SIGTERM; elsewhere nothing.
        builder.Services.AddSystemd();
        builder.Services.AddHostedService<WatchService>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(15));
        using var host = builder.Build();
        await host.RunAsync();
        return ExitCodes.Ok;
    }
}
