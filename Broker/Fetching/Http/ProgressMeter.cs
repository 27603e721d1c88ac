namespace MediaBroker.Broker.Fetching.Http;

/// <summary>Reports a download's progress at most four times a second, and always its last state.</summary>
public sealed class ProgressMeter(IProgress<FetchProgress> progress, TimeProvider time, long startBytes, long? totalBytes)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly long _started = time.GetTimestamp();
    private long _lastReport = time.GetTimestamp();
    private readonly long _startBytes = startBytes;
    private long _bytes = startBytes;

    public long Bytes => _bytes;

    public void Add(long count)
    {
        _bytes += count;
        if (time.GetElapsedTime(_lastReport) >= Interval) Report();
    }

    public void Report()
    {
        _lastReport = time.GetTimestamp();
        var seconds = time.GetElapsedTime(_started).TotalSeconds;
        progress.Report(new FetchProgress(_bytes, totalBytes, seconds > 0 ? (_bytes - _startBytes) / seconds : 0));
    }
}
