using MediaBroker.Shared.CommandLine;
using Microsoft.Extensions.Hosting;

namespace MediaBroker.Client.Hosting;

/// <summary>
/// The watch loop: a pass whenever a watched folder changes (FileSystemWatcher), when a waiting file should have
/// become stable, at least every poll interval, and a full rescan every rescan interval (watchers miss events).
/// </summary>
public sealed class WatchService(ClientContext context, ILogger<WatchService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = context.Settings;
        logger.LogInformation("Watching {Folders} for {Brokers}; state in {State}",
            Words.Count(settings.ListOfPathsToObserve.Count, "folder"), Words.Count(settings.ListOfServers.Count, "broker"), settings.StatePath);
        var nextRescan = DateTimeOffset.MinValue;
        var changed = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = context.Time.GetUtcNow();
                var scan = UpdateWatchers() || changed || now >= nextRescan;
                if (scan) nextRescan = now + TimeSpan.FromSeconds(settings.RescanIntervalSeconds);
                var report = await RunPassAsync(scan, stoppingToken);

                if (report is { Sent: > 0, WaitingToBeSent: > 0 })
                {
                    changed = false;
                    continue; // more to send, and the brokers take it: no pause
                }
                var wake = now + TimeSpan.FromSeconds(settings.PollIntervalSeconds);
                if (nextRescan < wake) wake = nextRescan;
                if (report?.NextStableAt is { } stable && stable < wake) wake = stable;
                changed = await WaitAsync(wake - context.Time.GetUtcNow(), stoppingToken) || report?.NextStableAt is not null;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var watcher in _watchers.Values) watcher.Dispose();
            await context.Database.SaveAsync(CancellationToken.None);
            logger.LogInformation("Stopped; unfinished transfers resume at the next start");
        }
    }

    private async Task<Sync.PassReport?> RunPassAsync(bool scan, CancellationToken stoppingToken)
    {
        try
        {
            return await context.Engine.RunPassAsync(scan, stoppingToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // One bad pass (a full disk, a folder that vanished) must not end the daemon.
            logger.LogError(error, "A pass failed; trying again shortly");
            return null;
        }
    }

    /// <returns>True when a watched folder changed.</returns>
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        if (delay < TimeSpan.FromMilliseconds(100)) delay = TimeSpan.FromMilliseconds(100);
        if (!await _changed.WaitAsync(delay, stoppingToken)) return false;
        // Let a burst of events (a copy in progress) settle into one pass.
        await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
        return true;
    }

    /// <summary>Watches each watched folder that exists, including one created (or mounted) after the start.</summary>
    /// <returns>True when a folder appeared, so that what is already in it is looked at now.</returns>
    private bool UpdateWatchers()
    {
        var appeared = false;
        foreach (var root in context.Settings.ListOfPathsToObserve)
        {
            var exists = Directory.Exists(root.Path);
            if (_watchers.TryGetValue(root.Path, out var current))
            {
                if (exists) continue;
                current.Dispose(); // the folder went away; a new one there is watched when it appears
                _watchers.Remove(root.Path);
                continue;
            }
            if (!exists) continue;
            appeared = true;
            var watcher = new FileSystemWatcher(root.Path)
            {
                IncludeSubdirectories = root.Recursive,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
            };
            FileSystemEventHandler signal = (_, _) => Signal();
            watcher.Created += signal;
            watcher.Changed += signal;
            watcher.Renamed += (_, _) => Signal();
            watcher.Error += (_, error) => logger.LogWarning("Watching {Folder} missed events ({Reason}); the periodic rescan catches up", root.Path, error.GetException().Message);
            watcher.EnableRaisingEvents = true;
            _watchers[root.Path] = watcher;
        }
        return appeared;
    }

    private void Signal()
    {
        try { if (_changed.CurrentCount == 0) _changed.Release(); }
        catch (SemaphoreFullException) { }
    }
}
