using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;
using NetVips;

namespace MediaBroker.Broker.Pictures;

/// <summary>
/// Reads what a picture is from its header alone, in-process (libvips reads no pixel for it): format, size the way it is
/// seen, frames, alpha, colour space. Only the formats the broker converts are read; anything else is left to ffprobe.
/// </summary>
public sealed class PictureReader(BrokerSettings settings)
{
    /// <summary>The formats read as pictures, by libvips loader (see <see cref="Libvips"/> for the ones allowed to run).</summary>
    private static readonly Dictionary<string, string> FormatByLoader = new(StringComparer.Ordinal)
    {
        ["VipsForeignLoadJpegFile"] = "jpeg",
        ["VipsForeignLoadPngFile"] = "png",
        ["VipsForeignLoadSpngFile"] = "png",
        ["VipsForeignLoadNsgifFile"] = "gif",
        ["VipsForeignLoadWebpFile"] = "webp",
        ["VipsForeignLoadTiffFile"] = "tiff",
        ["VipsForeignLoadHeifFile"] = "heif",
        ["VipsForeignLoadMagickFile"] = "bmp",
        ["VipsForeignLoadMagick7File"] = "bmp",
    };

    private const int MinimumLength = 16;

    /// <summary>Formats whose frames are an animation; other multi-page files (TIFF, HEIC bursts) give their first or primary picture.</summary>
    public static bool IsAnimationFormat(string format) => format is "gif" or "webp";

    /// <returns>
    /// Null when the file is not a picture this broker reads (ffprobe decides then); otherwise the picture, or why it is
    /// refused: too many pixels, or a header libvips cannot read.
    /// </returns>
    public ProbeOutcome? Read(string path)
    {
        if (FormatOf(path) is not { } format) return null;
        try
        {
            using var image = Image.NewFromFile(path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            var header = Describe(image, format);
            var problem = PictureLimits.FindProblem(header.Width!.Value, header.Height!.Value, header.Frames!.Value, settings.MaxImagePixels);
            return problem is null ? new ProbeOutcome(header, null) : new ProbeOutcome(null, problem);
        }
        catch (VipsException error)
        {
            return new ProbeOutcome(null, $"this {format.ToUpperInvariant()} picture cannot be read: {FirstLine(error, path)}");
        }
    }

    /// <summary>The broker's name for the picture format of a file, or null when it is not one it reads.</summary>
    public static string? FormatOf(string path)
    {
        Libvips.EnsureReady();
        // Too short to hold any picture's header. (This also keeps libvips from opening what is not a plain file, a
        // named pipe for one, whose stat size is 0: an open would wait for a writer, on a thread nothing can stop.)
        if (new FileInfo(path) is not { Exists: true, Length: >= MinimumLength }) return null;
        if (PictureSignatures.FormatOf(path) is not { } signature) return null;
        string? loader;
        try { loader = Image.FindLoad(path); }
        catch (VipsException) { return null; }
        if (loader is null || !FormatByLoader.TryGetValue(loader, out var format)) return null;
        // ImageMagick reads a hundred formats, some of which read other files; only what starts as a BMP goes to it.
        if (format == "bmp" && signature != "bmp") return null;
        return format;
    }

    /// <summary>The header of an opened picture as MediaInfo; <paramref name="format"/> as <see cref="FormatOf"/> names it.</summary>
    public static MediaInfo Describe(Image image, string format)
    {
        var frames = IsAnimationFormat(format) && image.Contains("n-pages") ? Math.Max(1, (int)image.Get("n-pages")) : 1;
        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        var sideways = orientation is >= 5 and <= 8;
        if (format == "heif")
            format = image.Contains("heif-compression") && image.Get("heif-compression") as string == "av1" ? "avif" : "heic";
        return new MediaInfo
        {
            Type = MediaTypes.Image,
            Container = format,
            Width = sideways ? image.Height : image.Width,
            Height = sideways ? image.Width : image.Height,
            Frames = frames,
            HasAlpha = image.HasAlpha(),
            ColourSpace = ColourSpaceName(image.Interpretation),
        };
    }

    public static string ColourSpaceName(Enums.Interpretation interpretation) => interpretation switch
    {
        Enums.Interpretation.Bw => "b-w",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>libvips' own words on what went wrong, without the broker's paths (users need not learn where it keeps data).</summary>
    public static string FirstLine(VipsException error, string path)
    {
        // NetVips puts its own summary first and libvips' words after it; the last line names the cause.
        var lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.Length == 0 ? "unknown error" : lines[^1];
        return line.Replace(Path.GetFullPath(path), Path.GetFileName(path), StringComparison.Ordinal)
            .Replace(Path.GetDirectoryName(Path.GetFullPath(path)) + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
    }
}
