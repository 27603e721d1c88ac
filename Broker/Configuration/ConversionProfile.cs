namespace MediaBroker.Broker.Configuration;

/// <summary>
/// A named conversion type from broker.json: which media it accepts, what it produces, and the ffmpeg arguments,
/// with <c>{input}</c> and <c>{output}</c> standing for the files the broker chooses.
/// </summary>
public sealed record ConversionProfile
{
    public const string InputPlaceholder = "{input}";
    public const string OutputPlaceholder = "{output}";

    public required IReadOnlyList<string> MediaTypes { get; init; }
    public required string OutputExtension { get; init; }
    public required IReadOnlyList<string> Arguments { get; init; }
    /// <summary>For images: the output must keep the input's width and height. Turn off for profiles that scale.</summary>
    public bool VerifyDimensions { get; init; } = true;

    public bool Accepts(string mediaType) => MediaTypes.Contains(mediaType, StringComparer.Ordinal);
}
