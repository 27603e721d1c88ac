using System.Buffers.Binary;

namespace MediaBroker.Broker.Pictures;

/// <summary>
/// The first bytes of the picture formats the broker reads. libvips is asked what a file is only when they match:
/// its loaders' own checks read far more than a header on some files (a raw 1 GiB video cost 180 MB of reads and
/// half a second on its way to ffprobe), and an untrusted video or audio file then never reaches a picture decoder.
/// </summary>
public static class PictureSignatures
{
    /// <summary>Enough for every signature below, including the brands of a HEIF file's first box.</summary>
    public const int HeaderLength = 64;

    /// <summary>The start-of-image marker, all libvips asks of a JPEG too.</summary>
    private static ReadOnlySpan<byte> Jpeg => [0xFF, 0xD8];
    private static ReadOnlySpan<byte> Png => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>ISO base media brands of HEIC, HEIF and AVIF pictures (ISO/IEC 23008-12, AV1 image format).</summary>
    private static readonly byte[][] HeifBrands = [.. new[] { "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1", "mif2", "mif3", "miaf", "avif", "avis" }
        .Select(System.Text.Encoding.ASCII.GetBytes)];

    /// <summary>The format the header says, in the broker's words (jpeg, png, gif, webp, tiff, heif, bmp), or null.</summary>
    public static string? FormatOf(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith(Jpeg)) return "jpeg";
        if (header.StartsWith(Png)) return "png";
        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8)) return "gif";
        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8)) return "webp";
        if (header.StartsWith("II*\0"u8) || header.StartsWith("MM\0*"u8) || header.StartsWith("II+\0"u8) || header.StartsWith("MM\0+"u8)) return "tiff";
        if (header.StartsWith("BM"u8)) return "bmp";
        if (IsHeif(header)) return "heif";
        return null;
    }

    /// <returns>Null too when the file cannot be read (gone meanwhile, not allowed): then it is no picture either.</returns>
    public static string? FormatOf(string path)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        try
        {
            using var file = File.OpenRead(path);
            return FormatOf(header[..file.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false)]);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>An ftyp box first whose major or compatible brands name a HEIF picture (an MP4 or MOV names others).</summary>
    private static bool IsHeif(ReadOnlySpan<byte> header)
    {
        if (header.Length < 16 || !header[4..8].SequenceEqual("ftyp"u8)) return false;
        var boxEnd = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header), (uint)header.Length);
        for (var at = 8; at + 4 <= boxEnd; at += at == 8 ? 8 : 4) // the major brand, the minor version (skipped), then compatible brands
        {
            var brand = header.Slice(at, 4);
            foreach (var heif in HeifBrands)
            {
                if (brand.SequenceEqual(heif)) return true;
            }
        }
        return false;
    }
}
