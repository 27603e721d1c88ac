using Serilog;
using Serilog.AspNetCore;
using Serilog.Events;

namespace MediaBroker.Broker.Hosting;

/// <summary>Serilog: the console for whoever runs the broker, a rolling file under the data folder for later, and a request log.</summary>
public static class BrokerLogging
{
    public static Serilog.Core.Logger Create(string logsFolder, bool toConsole)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // The broker logs its own start line; a failed start is reported as one clear line by the command.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
            // ASP.NET's authentication logs every refusal at Information under the handler's name; the handler logs the
            // ones that matter (a wrong token, with its address) as warnings itself.
            .MinimumLevel.Override(typeof(Auth.BearerTokenHandler).FullName!, LogEventLevel.Warning)
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

    /// <summary>
    /// One line per request that changes something (uploads, retries, deletions) and per failure; the polling of
    /// clients and dashboards (GET, HEAD) only at Debug, so that it does not bury what matters.
    /// </summary>
    public static void ConfigureRequestLog(RequestLoggingOptions options)
    {
        options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0} ms";
        options.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
            : HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
                ? LogEventLevel.Debug
                : LogEventLevel.Information;
        options.EnrichDiagnosticContext = (diagnostics, context) =>
            diagnostics.Set("RemoteAddress", context.Connection.RemoteIpAddress?.ToString());
    }
}
