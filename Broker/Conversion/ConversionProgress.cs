using MediaBroker.Broker.Media;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Turns ffmpeg's <c>-progress</c> lines (or libvips' percent done) into the item's progress, fps, speed and time left: in memory only (see
/// <see cref="ItemStore.ReportProgress"/>), at most four times a second, and always the last block.
/// </summary>
public static class ConversionProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    public static Action<string> ReporterFor(ItemStore store, TimeProvider time, Guid itemId, double? durationSeconds)
    {
        var parser = new ProgressParser();
        var lastReport = DateTimeOffset.MinValue;
        return line =>
        {
            if (parser.Feed(line) is not { } sample) return;
            var now = time.GetUtcNow();
            if (now - lastReport < Interval && !sample.Ended) return;
            lastReport = now;
            var (fraction, eta) = ProgressParser.Estimate(sample, durationSeconds);
            store.ReportProgress(itemId, fraction, sample.Fps, sample.Speed, eta);
        };
    }

    /// <summary>A percent done (libvips' eval signal for pictures) as the item's progress and time left, as often as ffmpeg's.</summary>
    public static IProgress<int> PercentReporterFor(ItemStore store, TimeProvider time, Guid itemId) => new PercentReporter(store, time, itemId);

    private sealed class PercentReporter(ItemStore store, TimeProvider time, Guid itemId) : IProgress<int>
    {
        private readonly long _started = time.GetTimestamp();
        private long _lastReport;

        public void Report(int percent)
        {
            var now = time.GetTimestamp();
            if (percent < 100 && _lastReport != 0 && time.GetElapsedTime(_lastReport, now) < Interval) return;
            _lastReport = now;
            var fraction = Math.Clamp(percent / 100.0, 0, 1);
            var elapsed = time.GetElapsedTime(_started, now).TotalSeconds;
            double? eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : null;
            store.ReportProgress(itemId, fraction, null, null, eta);
        }
    }
}
