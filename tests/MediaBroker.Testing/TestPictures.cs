using System.Buffers.Binary;

namespace MediaBroker.Testing;

/// <summary>
/// Pictures as phones and cameras make them, made at test time: ffmpeg for the pixels, exiftool for EXIF, heif-enc
/// (libheif) for HEIC, ImageMagick for CMYK. And hostile ones, made by hand from good ones.
/// </summary>
public static class TestPictures
{
    public const string DateTaken = "2024:05:06 07:08:09";

    /// <summary>
    /// A JPEG of <paramref name="width"/>x<paramref name="height"/> (2000x1000 unless said), white on its left half and
    /// black on its right, whose EXIF says "rotate 90 CW", with a date taken, a camera and a GPS position: a portrait
    /// phone photo. Shown the right way up it is 1000x2000, white above black. (Large enough that turning it cannot be
    /// done in one pass of a sequential read.)
    /// </summary>
    public static async Task<string> RotatedJpegAsync(string target, int width = 2000, int height = 1000)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", $"color=c=white:size={width}x{height}", "-frames:v", "1",
            "-vf", $"drawbox=x={width / 2}:y=0:w={width / 2}:h={height}:color=black:t=fill", "-q:v", "3", target]);
        await TagAsync(target, "-Orientation#=6");
        return target;
    }

    /// <summary>A HEIC photo (as iPhones take them) of 512x384 with EXIF, encoded by libheif's heif-enc.</summary>
    public static async Task<string> HeicAsync(string target)
    {
        var png = target + ".png";
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=512x384", "-frames:v", "1", png]);
        await TestMedia.RunAsync("heif-enc", ["-q", "60", png, "-o", target]);
        File.Delete(png);
        await TagAsync(target);
        return target;
    }

    /// <summary>An AVIF photo of 320x240, encoded by heif-enc with libaom.</summary>
    public static async Task<string> AvifAsync(string target)
    {
        var png = target + ".png";
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", png]);
        await TestMedia.RunAsync("heif-enc", ["--avif", "-q", "60", png, "-o", target]);
        File.Delete(png);
        return target;
    }

    /// <summary>An animated GIF: <paramref name="frames"/> frames of <paramref name="size"/> at 10 per second (100 ms each).</summary>
    public static async Task<string> AnimatedGifAsync(string target, int frames = 12, string size = "96x64")
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={size}:rate=10", "-frames:v", $"{frames}", "-loop", "0", target]);
        return target;
    }

    /// <summary>A PNG with an alpha channel: opaque on the left half, fully transparent on the right.</summary>
    public static async Task<string> PngWithAlphaAsync(string target)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=128x64", "-frames:v", "1",
            "-vf", "format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,64),255,0)'", target]);
        return target;
    }

    /// <summary>A 16-bit PNG (48 bits per pixel), as scanners and raw developers write them.</summary>
    public static async Task<string> Png16Async(string target)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x3366CC:size=96x64", "-frames:v", "1", "-pix_fmt", "rgb48be", target]);
        return target;
    }

    /// <summary>A CMYK JPEG (as print workflows write them) of one flat colour, given in RGB and converted by ImageMagick.</summary>
    public static async Task<string> CmykJpegAsync(string target, string rgb = "rgb(200,40,40)")
    {
        await TestMedia.RunAsync("convert", ["-size", "96x64", $"xc:{rgb}", "-colorspace", "CMYK", "-quality", "95", target]);
        return target;
    }

    /// <summary>A real JPEG whose header claims <paramref name="width"/>x<paramref name="height"/>: a decompression bomb.</summary>
    public static async Task<string> JpegClaimingAsync(string target, ushort width, ushort height)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", target]);
        var bytes = await File.ReadAllBytesAsync(target);
        // The start-of-frame segment (FFC0): length (2), precision (1), then height and width, big-endian.
        var frame = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(frame + 5), height);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(frame + 7), width);
        await File.WriteAllBytesAsync(target, bytes);
        return target;
    }

    /// <summary>A photo of which only the first part arrived (a copy cut short).</summary>
    public static async Task<string> TruncatedJpegAsync(string target)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-q:v", "2", target]);
        var bytes = await File.ReadAllBytesAsync(target);
        await File.WriteAllBytesAsync(target, bytes[..(bytes.Length / 2)]);
        return target;
    }

    /// <summary>A GIF of <paramref name="frames"/> frames of 400x400: tiny on disk, huge to decode.</summary>
    public static async Task<string> GifOfManyFramesAsync(string target, int frames)
    {
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:size=400x400:rate=100", "-frames:v", $"{frames}", target]);
        return target;
    }

    /// <summary>What exiftool reads of one tag (its -s -s -s value), or "" when the file has none.</summary>
    public static async Task<string> ExifAsync(string path, string tag) =>
        (await TestMedia.RunAsync("exiftool", ["-s", "-s", "-s", $"-{tag}", path])).Trim();

    private static Task TagAsync(string path, params string[] more) =>
        TestMedia.RunAsync("exiftool", ["-q", "-overwrite_original", $"-DateTimeOriginal={DateTaken}", "-Make=Apple", "-Model=iPhone 15",
            "-GPSLatitude=48.8584", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E", .. more, path]);
}
