namespace MediaBroker.Shared.Api;

/// <summary>The answer of <c>GET /api/server</c>: what a broker can do and how busy it is.</summary>
public sealed record ServerInfo
{
    public required string Version { get; init; }
    public required IReadOnlyList<string> ListOfSupportedMediaTypes { get; init; }
    public required IReadOnlyDictionary<string, ConversionTypeInfo> ConversionTypes { get; init; }
    /// <summary>The conversion type used for each media type when an upload names none.</summary>
    public required IReadOnlyDictionary<string, string> DefaultConversionTypes { get; init; }
    public required int NumberOfConversionThreads { get; init; }
    public required QueueDepth Queue { get; init; }
    public required long FreeBytes { get; init; }
    public required long UsedBytes { get; init; }
    public required long MaxUploadBytes { get; init; }
}

public sealed record ConversionTypeInfo(IReadOnlyList<string> MediaTypes, string OutputExtension);

/// <summary>How many items are in each state.</summary>
public sealed record QueueDepth(int ToDo, int InProgress, int FinishedSuccessful, int FinishedWithErrors)
{
    /// <summary>Work not finished yet: what a client compares when it picks the least loaded broker.</summary>
    public int Pending => ToDo + InProgress;

    public int Total => ToDo + InProgress + FinishedSuccessful + FinishedWithErrors;
}
