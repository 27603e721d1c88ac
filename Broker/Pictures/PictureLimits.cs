using System.Globalization;

namespace MediaBroker.Broker.Pictures;

/// <summary>The bounds a picture must stay within, decided from its header before anything is decoded.</summary>
public static class PictureLimits
{
    /// <summary>The largest side a webp can hold (libwebp's limit).</summary>
    public const int WebpMaxSide = 16383;

    /// <returns>Null when the picture may be decoded, otherwise why not, for a person.</returns>
    public static string? FindProblem(int width, int height, int frames, long maxPixels)
    {
        var pixels = (long)width * height * frames;
        if (pixels <= maxPixels) return null;
        var frameText = frames > 1 ? $" x {frames.ToString(CultureInfo.InvariantCulture)} frames" : "";
        return $"the picture is {width}x{height}{frameText}, {Megapixels(pixels)} megapixels to decode; this broker decodes at most "
            + $"{Megapixels(maxPixels)} megapixels per picture (max_image_pixels)";
    }

    /// <summary>The size a picture is given when it may be no larger than <paramref name="maxSide"/>: never enlarged.</summary>
    public static (int Width, int Height) Fit(int width, int height, int? maxSide)
    {
        if (maxSide is not { } limit || (width <= limit && height <= limit)) return (width, height);
        var scale = (double)limit / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    private static string Megapixels(long pixels) => (pixels / 1_000_000.0).ToString("0.#", CultureInfo.InvariantCulture);
}
