using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// Turns a fetcher's reports into the item's download progress (bytes, size, rate, time left): in memory only (see
/// <see cref="ItemStore.ReportDownload"/>), at most four times a second, as conversions report theirs. A report held
/// back goes out when its interval ends, so a fetch that stalls shows the bytes it really has, not older ones.
/// </summary>
public sealed class DownloadProgress(ItemStore store, TimeProvider time, Guid itemId) : IProgress<FetchProgress>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly Lock _gate = new();
    private long _lastReport;
    private FetchProgress? _held;
    private ITimer? _flush;

    public void Report(FetchProgress value)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var done = value.TotalBytes is { } total && value.Bytes >= total;
            var since = _lastReport == 0 ? Interval : time.GetElapsedTime(_lastReport, now);
            if (!done && since < Interval)
            {
                _held = value;
                _flush ??= time.CreateTimer(_ => Flush(), null, Interval - since, Timeout.InfiniteTimeSpan);
                return;
            }
            Send(value, now);
        }
    }

    public static ItemDownload Of(FetchProgress value)
    {
        double? eta = value.TotalBytes is { } total && value.BytesPerSecond > 0 ? Math.Max(0, total - value.Bytes) / value.BytesPerSecond : null;
        return new ItemDownload(value.Bytes, value.TotalBytes, value.BytesPerSecond, eta);
    }

    private void Flush()
    {
        lock (_gate)
        {
            _flush?.Dispose();
            _flush = null;
            if (_held is { } held) Send(held, time.GetTimestamp());
        }
    }

    private void Send(FetchProgress value, long now)
    {
        _held = null;
        _lastReport = now;
        store.ReportDownload(itemId, Of(value));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _flush?.Dispose();
            _flush = null;
            _held = null;
        }
    }
}
