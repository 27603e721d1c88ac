using System.IO.Abstractions;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Client.Sync;
using MediaBroker.Client.Watching;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace MediaBroker.Client.Hosting;

/// <summary>What every command works with: settings, the item database (shared with a running watcher), the brokers.</summary>
public sealed class ClientContext : IDisposable
{
    private readonly FileStream? _stateLock;
    private readonly Serilog.Core.Logger _serilog;

    private ClientContext(ClientSettings settings, ClientDatabase database, FileStream? stateLock, Serilog.Core.Logger serilog, TimeProvider time,
        IFileSystem files)
    {
        Settings = settings;
        Database = database;
        _stateLock = stateLock;
        _serilog = serilog;
        Time = time;
        Loggers = new SerilogLoggerFactory(serilog);
        Brokers = new BrokerDirectory(settings, time);
        Scanner = new FolderScanner(settings, database, time, Loggers.CreateLogger<FolderScanner>());
        Placement = new OutputPlacement(files);
        Files = files;
        var fetcher = new OutputFetcher(database, Scanner, files, Placement, time, Loggers.CreateLogger<OutputFetcher>());
        var naming = new OutputNaming(database, Scanner, files, Loggers.CreateLogger<OutputNaming>());
        Engine = new SyncEngine(settings, database, Brokers, Scanner, naming, fetcher, time, Loggers.CreateLogger<SyncEngine>());
    }

    public ClientSettings Settings { get; }
    public ClientDatabase Database { get; }
    public BrokerDirectory Brokers { get; }
    public FolderScanner Scanner { get; }
    public OutputPlacement Placement { get; }
    public IFileSystem Files { get; }
    public SyncEngine Engine { get; }
    public ILoggerFactory Loggers { get; }
    public TimeProvider Time { get; }

    /// <param name="exclusive">
    /// The command runs the engine (watch, sync): it holds client.lock for as long as it runs, so that there is one
    /// engine per state_path. Two would hand the same files to brokers twice.
    /// </param>
    /// <param name="verbose">Log what happens (sync, watch) rather than only warnings.</param>
    /// <param name="changesState">The command changes the item database without running the engine (retry, upload): it
    /// may run beside a watcher, each change one transaction (see ClientDatabase).</param>
    public static ClientContext Open(string? configPath, bool exclusive, bool verbose, TimeProvider? time = null, bool changesState = false)
    {
        var settings = ClientSettingsLoader.Load(configPath);
        FileStream? stateLock = null;
        var forWriting = exclusive || changesState;
        if (forWriting)
            Shared.Configuration.FolderSetting.EnsureCreated("state_path", settings.StatePath, () => Directory.CreateDirectory(settings.StatePath));
        if (exclusive)
        {
            try
            {
                stateLock = new FileStream(Path.Combine(settings.StatePath, "client.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new Shared.Configuration.ConfigurationException(
                    $"state_path: a media-client watch or sync is running on {settings.StatePath} already and does this work; "
                    + "retry, upload, status and download work beside it (stop it first to run another)");
            }
        }
        var serilog = CreateLogger(settings, verbose && exclusive);
        try
        {
            var files = MediaBroker.Shared.Reliability.CrashingFileSystem.ForThisProcess();
            NameCrashPointRoots(settings);
            return new ClientContext(settings, ClientDatabase.Open(files, settings.StatePath, forWriting), stateLock, serilog,
                time ?? TimeProvider.System, files);
        }
        catch
        {
            stateLock?.Dispose();
            serilog.Dispose();
            throw;
        }
    }

    /// <summary>Crash points under these folders are named from the folder's part on (see CrashPoints).</summary>
    private static void NameCrashPointRoots(ClientSettings settings)
    {
        MediaBroker.Shared.Reliability.CrashPoints.AddRoot(settings.StatePath, "<state>");
        for (var i = 0; i < settings.ListOfPathsToObserve.Count; i++)
        {
            var root = settings.ListOfPathsToObserve[i];
            MediaBroker.Shared.Reliability.CrashPoints.AddRoot(root.Path, $"<watched{i}>");
            if (root.OutputPath is { } library) MediaBroker.Shared.Reliability.CrashPoints.AddRoot(library, $"<library{i}>");
            if (root.MoveSourceTo is { } done) MediaBroker.Shared.Reliability.CrashPoints.AddRoot(done, $"<done{i}>");
        }
    }

    private static Serilog.Core.Logger CreateLogger(ClientSettings settings, bool verbose)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Information : LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        if (verbose)
            configuration = configuration.WriteTo.File(Path.Combine(settings.StatePath, "logs", "client-.log"), rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return configuration.CreateLogger();
    }

    public Serilog.ILogger Serilog => _serilog;

    public void Dispose()
    {
        Brokers.Dispose();
        Loggers.Dispose();
        _serilog.Dispose();
        _stateLock?.Dispose();
    }
}
