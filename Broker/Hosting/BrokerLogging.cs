using MediaBroker.Broker.Configuration;
using Serilog;
using Serilog.Events;

namespace MediaBroker.Broker.Hosting;

/// <summary>Serilog: the console for whoever runs the broker, a rolling file under the data folder for later.</summary>
public static class BrokerLogging
{
    public static Serilog.Core.Logger Create(string logsFolder, bool toConsole)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // The broker logs its own start line; a failed start is reported as one clear line by the command.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
            .Enrich.FromLogContext()
            .WriteTo.File(Path.Combine(logsFolder, "broker-.log"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14,
                fileSizeLimitBytes: 50L << 20, rollOnFileSizeLimit: true,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        if (toConsole)
            configuration = configuration.WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return configuration.CreateLogger();
    }
}
