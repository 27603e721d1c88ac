namespace MediaBroker.Broker.Configuration;

/// <summary>
/// A named conversion type from broker.json: which media it accepts and what it produces. Video and audio types run
/// ffmpeg with <see cref="Arguments"/> (<c>{input}</c> and <c>{output}</c> stand for the files the broker chooses);
/// picture types are made by libvips in-process, shaped by the picture settings below.
/// </summary>
public sealed record ConversionProfile
{
    public const string InputPlaceholder = "{input}";
    public const string OutputPlaceholder = "{output}";
    public const string VerifyProbe = "probe";
    public const string VerifyDecode = "decode";

    public const int DefaultQuality = 80;
    public const int DefaultEffort = 4;

    public required IReadOnlyList<string> MediaTypes { get; init; }
    public required string OutputExtension { get; init; }
    /// <summary>ffmpeg's arguments, for video and audio types; picture types have none.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// How an output is checked before it counts: <c>probe</c> (read back: duration, streams, dimensions) or
    /// <c>decode</c> (and every frame decoded, as Tdarr's and FileFlows' thorough checks do).
    /// </summary>
    public string? Verify { get; init; }

    // Pictures only (libvips). Null means the default.
    public int? Quality { get; init; }
    public bool? Lossless { get; init; }
    /// <summary>libwebp's effort, 0 (fastest) to 6 (smallest).</summary>
    public int? Effort { get; init; }
    /// <summary>Leave out EXIF, XMP and the colour profile (the output is then plain sRGB).</summary>
    public bool? StripMetadata { get; init; }
    /// <summary>Pictures larger than this on either side are scaled down to it; smaller ones are never enlarged.</summary>
    public int? MaxDimension { get; init; }

    public bool IsPicture => Accepts(Shared.Items.MediaTypes.Image);
    public bool DecodesToVerify => Verify == VerifyDecode;

    public bool Accepts(string mediaType) => MediaTypes.Contains(mediaType, StringComparer.Ordinal);
}
