namespace MediaBroker.Shared.Api;

/// <summary>
/// The answer of <c>GET /api/stats</c> and the data of the <c>stats</c> event: the figures of the dashboard's broker panel.
/// </summary>
public sealed record BrokerStats
{
    public required string Version { get; init; }
    /// <summary>The conversion types this broker offers (those whose media types it can convert).</summary>
    public required IReadOnlyList<string> ConversionTypes { get; init; }
    public required IReadOnlyList<string> ListOfSupportedMediaTypes { get; init; }
    public required int NumberOfConversionThreads { get; init; }
    public required QueueDepth Queue { get; init; }
    public required StorageFigures Storage { get; init; }
    /// <summary>Everything converted successfully, all types together.</summary>
    public required ConversionFigures Converted { get; init; }
    /// <summary>The same per conversion type, for the types that have finished items.</summary>
    public required IReadOnlyDictionary<string, ConversionFigures> ByConversionType { get; init; }
    /// <summary>The client ids with items on this broker (a client token sees its own only).</summary>
    public required IReadOnlyList<string> Clients { get; init; }
    /// <summary>The running conversions the caller may see; left out of the <c>stats</c> event, whose item events carry them.</summary>
    public IReadOnlyList<RunningConversion>? Running { get; init; }
}

/// <summary>The seed's storage statistics: what the broker's files take, how many there are, and what is left on the disk.</summary>
public sealed record StorageFigures(long UsedBytes, long FreeBytes, long ThumbnailBytes, int NumberOfFiles)
{
    /// <summary>What the item files in <see cref="UsedBytes"/> are kept for; null from a broker older than this field.</summary>
    public KeptFiles? Kept { get; init; }
}

/// <summary>
/// The bytes of item files a broker holds, by why it still holds them, and how many items are down to their record
/// (their files removed after keep_finished_hours or keep_failed_days).
/// </summary>
/// <param name="QueuedBytes">Inputs in to_do and in_progress, waiting for or in their conversion.</param>
/// <param name="AwaitingFetchBytes">Converted items no client has said it fetched yet (kept up to keep_failed_days).</param>
/// <param name="FetchedBytes">Converted items their client placed, kept for keep_finished_hours after that.</param>
/// <param name="FailedBytes">Inputs of failed items, kept for a retry up to keep_failed_days.</param>
/// <param name="RemovedItems">Items whose files were removed; their records stay so that the same content is recognised.</param>
public sealed record KeptFiles(long QueuedBytes, long AwaitingFetchBytes, long FetchedBytes, long FailedBytes, int RemovedItems);

/// <summary>Finished conversions: how many succeeded and failed, and the bytes of the successful ones before and after.</summary>
public sealed record ConversionFigures(int Done, int Failed, long InputBytes, long OutputBytes)
{
    /// <summary>Bytes the converted files save against their inputs (negative when the outputs came out larger).</summary>
    public long SavedBytes => InputBytes - OutputBytes;
}

/// <summary>A conversion under way, as the broker panel lists it.</summary>
public sealed record RunningConversion(
    Guid ItemId, string OriginalFileName, string ConversionType, DateTimeOffset? StartedAt, double ElapsedSeconds,
    double? Progress, double? Fps, double? Speed, double? EtaSeconds);
