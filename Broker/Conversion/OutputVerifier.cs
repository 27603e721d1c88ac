using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>A video or audio output counts only once ffprobe has read it back and it matches its input (pictures: PictureConversion.Verify).</summary>
public static class OutputVerifier
{
    /// <returns>Null when the output is good, otherwise what is wrong with it, for a person.</returns>
    public static string? FindProblem(MediaInfo input, MediaInfo? output, string? probeProblem, ConversionProfile profile)
    {
        if (output is null)
            return $"ffmpeg finished but its output cannot be read back ({probeProblem ?? "unknown reason"})";

        if (input.Type is MediaTypes.Video or MediaTypes.Audio && input.DurationSeconds is { } expected)
        {
            if (output.DurationSeconds is not { } actual)
                return "the output has no duration; it is not a complete media file";
            var tolerance = Math.Max(0.01 * expected, 0.5);
            if (Math.Abs(actual - expected) > tolerance)
                return $"the output lasts {Seconds(actual)} s but the input {Seconds(expected)} s; the conversion is incomplete";
        }
        if (input.Type == MediaTypes.Video && !output.Streams.Any(stream => stream.Type == "video" && !stream.CoverArt))
            return "the output has no video stream";
        if (input.Type == MediaTypes.Audio && !output.Streams.Any(stream => stream.Type == "audio"))
            return "the output has no audio stream";
        return null;
    }

    private static string Seconds(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
