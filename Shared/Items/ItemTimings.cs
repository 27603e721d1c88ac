namespace MediaBroker.Shared.Items;

/// <summary>
/// Where an item's time went on the broker, in seconds, phase by phase; a phase not reached (or not separate, as
/// hashing is while a one-shot upload arrives) is null. The same breakdown feeds the broker's /metrics histograms.
/// </summary>
public sealed record ItemTimings
{
    /// <summary>From the upload's first byte (its creation, for tus) to its last.</summary>
    public double? ReceivingSeconds { get; init; }
    /// <summary>Reading the whole file again for its sha512, where it could not be hashed as it arrived.</summary>
    public double? HashingSeconds { get; init; }
    /// <summary>Finding out what the file is: ffprobe, or libvips reading a picture's header.</summary>
    public double? ProbingSeconds { get; init; }
    /// <summary>In to_do, waiting for a conversion thread (the last time it waited).</summary>
    public double? WaitingSeconds { get; init; }
    /// <summary>In ffmpeg or libvips.</summary>
    public double? ConvertingSeconds { get; init; }
    /// <summary>Checking the output (ffprobe or libvips reads it back) and taking its sha512.</summary>
    public double? VerifyingSeconds { get; init; }
    /// <summary>From the finish to the first download of the output.</summary>
    public double? WaitingToBeFetchedSeconds { get; init; }
}
