using System.Text;
using MediaBroker.Broker.Pictures;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Pictures;

/// <summary>Only what starts like a picture the broker reads is shown to libvips; video and audio go straight to ffprobe.</summary>
public sealed class PictureSignaturesTests
{
    private static byte[] Ftyp(string major, params string[] compatible)
    {
        var box = new List<byte>();
        var size = 16 + 4 * compatible.Length;
        box.AddRange([(byte)(size >> 24), (byte)(size >> 16), (byte)(size >> 8), (byte)size]);
        box.AddRange(Encoding.ASCII.GetBytes("ftyp" + major));
        box.AddRange([0, 0, 0, 0]);
        foreach (var brand in compatible) box.AddRange(Encoding.ASCII.GetBytes(brand));
        box.AddRange(new byte[32]); // the next box
        return box.ToArray();
    }

    public static TheoryData<string, string?> Headers => new()
    {
        { "FF D8 FF E0 00 10 4A 46 49 46", "jpeg" },
        { "89 50 4E 47 0D 0A 1A 0A 00 00", "png" },
        { "47 49 46 38 39 61 01 00", "gif" },
        { "47 49 46 38 37 61 01 00", "gif" },
        { "52 49 46 46 24 00 00 00 57 45 42 50 56 50 38 20", "webp" },
        { "52 49 46 46 24 00 00 00 57 41 56 45 66 6D 74 20", null }, // RIFF, but a WAV
        { "49 49 2A 00 08 00 00 00", "tiff" },
        { "4D 4D 00 2A 00 00 00 08", "tiff" },
        { "49 49 2B 00 08 00 00 00", "tiff" }, // BigTIFF
        { "42 4D 36 00 0C 00 00 00", "bmp" },
        { "1A 45 DF A3 9F 42 86 81 01", null }, // Matroska
        { "49 44 33 04 00 00 00 00", null }, // MP3 with ID3
        { "00 00 01 BA 44 00 04 00", null }, // MPEG program stream
        { "FF D8", "jpeg" }, // the start-of-image marker is all libvips asks for too
        { "FF", null }, // too short to tell
        { "", null },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Tells_the_formats_the_broker_reads_from_their_first_bytes(string hex, string? expected) =>
        Assert.Equal(expected, PictureSignatures.FormatOf(Convert.FromHexString(hex.Replace(" ", ""))));

    [Fact]
    public void Tells_HEIF_pictures_from_MP4_and_MOV_films_by_their_brands()
    {
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("heic", "mif1", "heic")));
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("avif", "avif", "mif1", "miaf")));
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("mif1", "heic"))); // a major brand of its own, HEIC among the compatible
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("heix")));
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("avis", "avis", "msf1")));
        Assert.Equal("heif", PictureSignatures.FormatOf(Ftyp("isom", "mif2")));
        Assert.Null(PictureSignatures.FormatOf(Ftyp("isom", "isom", "iso2", "avc1", "mp41")));
        Assert.Null(PictureSignatures.FormatOf(Ftyp("qt  ", "qt  ")));
        // A brand named past the end of its box does not count; nor does a box that claims no size, or a 64-bit one.
        var lying = Ftyp("isom", "isom", "heic");
        lying[3] = 16;
        Assert.Null(PictureSignatures.FormatOf(lying));
        foreach (var size in new byte[] { 0, 1 })
        {
            var odd = Ftyp("heic", "heic");
            odd[3] = size;
            Assert.Null(PictureSignatures.FormatOf(odd));
        }
    }

    [Fact]
    public async Task A_film_is_never_opened_as_a_picture_and_a_real_picture_still_is()
    {
        using var folder = new TempFolder();
        var film = folder.Combine("film.mkv");
        await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-frames:v", "5", "-c:v", "rawvideo", "-y", film]);
        var picture = folder.Combine("photo.jpg");
        await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "-y", picture]);

        Assert.Null(PictureSignatures.FormatOf(film));
        Assert.Null(PictureReader.FormatOf(film));
        Assert.Equal("jpeg", PictureReader.FormatOf(picture));
    }
}
