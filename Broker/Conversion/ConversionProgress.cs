using MediaBroker.Broker.Media;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Turns ffmpeg's <c>-progress</c> lines into the item's progress, fps, speed and time left: in memory only (see
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
}
