using System.Text.Json;
using MediaBroker.Broker.Api;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Events;

/// <summary>
/// Sends a <c>stats</c> event when the broker's figures changed, at most once every <see cref="Interval"/>: free
/// space moves with every upload, and a page needs no more than that. Also sends the streams' heartbeats.
/// </summary>
public sealed class FiguresPublisher(EventHub hub, BrokerFigures figures, TimeProvider time, ILogger<FiguresPublisher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const long FreeSpaceStep = 10_000_000;
    private byte[] _last = [];
    private long _lastHeartbeat = time.GetTimestamp();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do Tick();
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the broker stops
        }
    }

    private void Tick()
    {
        if (time.GetElapsedTime(_lastHeartbeat) >= hub.HeartbeatInterval)
        {
            _lastHeartbeat = time.GetTimestamp();
            hub.Heartbeat();
        }
        try
        {
            PublishIfChanged();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The data folder's disk cannot be asked for its free space right now; the next tick tries again.
            logger.LogDebug("Figures not published: {Reason}", error.Message);
        }
    }

    public void PublishIfChanged()
    {
        var current = figures.Shared();
        // Free space moves with every write on the disk, the broker's or not: a change under FreeSpaceStep is no news.
        var significant = JsonSerializer.SerializeToUtf8Bytes(
            current with { Storage = current.Storage with { FreeBytes = current.Storage.FreeBytes / FreeSpaceStep } }, WireJsonContext.Default.BrokerStats);
        if (significant.AsSpan().SequenceEqual(_last)) return;
        _last = significant;
        hub.Publish(BrokerEvent.Stats, null, JsonSerializer.SerializeToUtf8Bytes(current, WireJsonContext.Default.BrokerStats));
    }
}
