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
        var current = JsonSerializer.SerializeToUtf8Bytes(figures.Shared(), WireJsonContext.Default.BrokerStats);
        if (current.AsSpan().SequenceEqual(_last)) return;
        _last = current;
        hub.Publish(BrokerEvent.Stats, null, current);
    }
}
