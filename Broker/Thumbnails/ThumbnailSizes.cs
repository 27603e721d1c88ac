using System.Globalization;

namespace MediaBroker.Broker.Thumbnails;

/// <summary>
/// The few sizes thumbnails come in: a request's width and height snap up to the next step, and the picture fits in a
/// square of that side. Any caller could otherwise have the broker make and keep one file per pixel count asked for.
/// </summary>
public static class ThumbnailSizes
{
    public static readonly IReadOnlyList<int> Steps = [80, 160, 320, 640, 1280, 2560];
    public const int Default = 320;

    /// <summary>The side of the square the thumbnail fits in: the smallest step at least as large as what was asked.</summary>
    public static int Snap(int? width, int? height)
    {
        var asked = Math.Max(width ?? 0, height ?? 0);
        if (asked == 0) return Default;
        return Steps.FirstOrDefault(step => step >= asked, Steps[^1]);
    }

    public static string Text(int side) => side.ToString(CultureInfo.InvariantCulture);
}
