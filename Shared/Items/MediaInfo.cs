using System.Text.Json.Serialization;

namespace MediaBroker.Shared.Items;

/// <summary>
/// What the broker found in a file when it arrived (libvips for pictures, ffprobe for the rest); decides the media type,
/// never the file extension.
/// </summary>
public sealed record MediaInfo
{
    public required string Type { get; init; }
    /// <summary>The file's format: ffprobe's container name, or for pictures jpeg, png, gif, webp, tiff, bmp, heic, avif.</summary>
    public required string Container { get; init; }
    public double? DurationSeconds { get; init; }
    /// <summary>For pictures, as it is seen: after its EXIF orientation is applied.</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }
    /// <summary>Pictures: how many frames (more than one for an animation).</summary>
    public int? Frames { get; init; }
    /// <summary>Pictures: whether it has an alpha channel (transparency).</summary>
    public bool? HasAlpha { get; init; }
    /// <summary>Pictures: libvips' name of its colour space (srgb, cmyk, b-w, rgb16, grey16...).</summary>
    public string? ColourSpace { get; init; }
    public IReadOnlyList<MediaStream> Streams { get; init; } = [];
}

/// <param name="CoverArt">A picture attached to the file (a cover), not a track to play; left out of JSON when false.</param>
public sealed record MediaStream(int Index, string Type, string? Codec, string? Language = null, string? Title = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool CoverArt = false);
