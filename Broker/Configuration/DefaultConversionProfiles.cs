using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Configuration;

/// <summary>The conversion types every broker offers unless broker.json replaces them; they follow the seed's own scripts.</summary>
public static class DefaultConversionProfiles
{
    public static IReadOnlyDictionary<string, ConversionProfile> All { get; } = new Dictionary<string, ConversionProfile>(StringComparer.Ordinal)
    {
        // The seed: "-map 0 -c:a copy -c:s copy -c:v libx265"; every stream and the metadata are kept, but for data
        // tracks (the timecode track of every camera and phone .mov): Matroska cannot hold them, and with them the
        // whole conversion would fail.
        ["mkv_x265"] = Video("mkv", ["-map", "0", "-map", "-0:d?", "-map_metadata", "0", "-c:a", "copy", "-c:s", "copy",
            "-c:v", "libx265", "-preset", "medium", "-crf", "26", "-x265-params", "log-level=error"]),
        ["mkv_x264"] = Video("mkv", ["-map", "0", "-map", "-0:d?", "-map_metadata", "0", "-c:a", "copy", "-c:s", "copy",
            "-c:v", "libx264", "-preset", "medium", "-crf", "21"]),
        // Made by libvips (Pictures/PictureConversion): quality 80 as the seed's `convert -quality 80`, the picture the
        // right way up, its EXIF and colour profile kept.
        ["webp"] = new() { MediaTypes = [MediaTypes.Image], OutputExtension = "webp", Quality = ConversionProfile.DefaultQuality },
        ["opus"] = new()
        {
            MediaTypes = [MediaTypes.Audio],
            OutputExtension = "opus",
            Arguments = ["-i", ConversionProfile.InputPlaceholder, "-map", "0:a", "-map_metadata", "0",
                "-c:a", "libopus", "-b:a", "128k", "-vbr", "on", ConversionProfile.OutputPlaceholder],
        },
    };

    public static IReadOnlyDictionary<string, string> DefaultForMediaType { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [MediaTypes.Video] = "mkv_x265",
        [MediaTypes.Image] = "webp",
        [MediaTypes.Audio] = "opus",
    };

    private static ConversionProfile Video(string extension, string[] codecArguments) => new()
    {
        MediaTypes = [MediaTypes.Video],
        OutputExtension = extension,
        Arguments = ["-i", ConversionProfile.InputPlaceholder, .. codecArguments, ConversionProfile.OutputPlaceholder],
    };
}
