namespace MediaBroker.Broker.Fetching.Http;

/// <summary>
/// Counts a download's bytes and reports each step with the rate so far. Every step is reported: the item's
/// <see cref="DownloadProgress"/> decides how often the item hears of it, and sends the last state once its interval
/// ends, so a fetch that stalls right after a chunk still shows that chunk.
/// </summary>
public sealed class ProgressMeter(IProgress<FetchProgress> progress, TimeProvider time, long startBytes, long? totalBytes)
{
    private readonly long _started = time.GetTimestamp();
    private readonly long _startBytes = startBytes;
    private long _bytes = startBytes;

    public long Bytes => _bytes;

    public void Add(long count)
    {
        _bytes += count;
        Report();
    }

    public void Report()
    {
        var seconds = time.GetElapsedTime(_started).TotalSeconds;
        progress.Report(new FetchProgress(_bytes, totalBytes, seconds > 0 ? (_bytes - _startBytes) / seconds : 0));
    }
}
