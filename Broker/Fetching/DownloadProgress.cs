using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// Turns a fetcher's reports into the item's download progress (bytes, size, rate, time left): in memory only (see
/// <see cref="ItemStore.ReportDownload"/>), at most four times a second, as conversions report theirs.
/// </summary>
public sealed class DownloadProgress(ItemStore store, TimeProvider time, Guid itemId) : IProgress<FetchProgress>
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private long _lastReport;

    public void Report(FetchProgress value)
    {
        var now = time.GetTimestamp();
        var done = value.TotalBytes is { } total && value.Bytes >= total;
        if (!done && _lastReport != 0 && time.GetElapsedTime(_lastReport, now) < Interval) return;
        _lastReport = now;
        store.ReportDownload(itemId, Of(value));
    }

    public static ItemDownload Of(FetchProgress value)
    {
        double? eta = value.TotalBytes is { } total && value.BytesPerSecond > 0 ? Math.Max(0, total - value.Bytes) / value.BytesPerSecond : null;
        return new ItemDownload(value.Bytes, value.TotalBytes, value.BytesPerSecond, eta);
    }
}
