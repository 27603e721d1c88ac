namespace MediaBroker.Shared.Items;

/// <summary>What ffprobe found in a file; decides the media type, never the file extension.</summary>
public sealed record MediaInfo
{
    public required string Type { get; init; }
    public required string Container { get; init; }
    public double? DurationSeconds { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public IReadOnlyList<MediaStream> Streams { get; init; } = [];
}

public sealed record MediaStream(int Index, string Type, string? Codec, string? Language = null, string? Title = null);
