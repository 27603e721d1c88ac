using System.Net;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using NetVips;

namespace MediaBroker.Broker.Tests.Pictures;

/// <summary>
/// Pictures as people drop them (phone photos, animations, transparency, print and scanner files), converted by a real
/// broker through libvips, each output read back: its size the right way up, its frames, alpha, EXIF and colours.
/// </summary>
public sealed class PictureConversionTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("pictures");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with
    {
        ConversionTypes = new Dictionary<string, ConversionProfile>(settings.ConversionTypes)
        {
            ["webp_private"] = new() { MediaTypes = [MediaTypes.Image], OutputExtension = "webp", StripMetadata = true },
            ["webp_small"] = new() { MediaTypes = [MediaTypes.Image], OutputExtension = "webp", MaxDimension = 100 },
            ["webp_checked"] = new() { MediaTypes = [MediaTypes.Image], OutputExtension = "webp", Verify = ConversionProfile.VerifyDecode },
        },
    });

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<(Item Item, string Output)> ConvertAsync(string path, string? conversionType = null)
    {
        var fields = conversionType is null ? null : new Dictionary<string, string> { ["conversion_type"] = conversionType };
        var response = await _broker.PostMultipartAsync(path, fields: fields);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
        Assert.True(item.Status == ItemStatus.FinishedSuccessful, string.Join("; ", item.Errors));
        var output = _folder.WriteFile($"out-{item.ItemId:N}.webp", await _broker.Http.GetByteArrayAsync($"api/items/{item.ItemId}/output"));
        return (item, output);
    }

    private static double[] Pixel(Image image, int x, int y) => image.Getpoint(x, y);

    [Fact]
    public async Task A_portrait_phone_jpeg_comes_out_the_right_way_up_with_its_exif_kept_and_the_orientation_reset()
    {
        var photo = await TestPictures.RotatedJpegAsync(_folder.Combine("portrait.jpg"));

        var (item, output) = await ConvertAsync(photo);

        Assert.Equal(("jpeg", 1000, 2000), (item.Media!.Container, item.Media.Width, item.Media.Height));
        using var image = Image.NewFromFile(output);
        Assert.Equal((1000, 2000), (image.Width, image.Height));
        Assert.True(Pixel(image, 500, 250)[0] > 200, "the white half must be on top");
        Assert.True(Pixel(image, 500, 1750)[0] < 50, "the black half must be below");
        // A browser applies EXIF orientation too: the tag must not turn the picture a second time.
        Assert.Contains(await TestPictures.ExifAsync(output, "Orientation"), new[] { "", "Horizontal (normal)" });
        Assert.Equal(TestPictures.DateTaken, await TestPictures.ExifAsync(output, "DateTimeOriginal"));
        Assert.Equal("iPhone 15", await TestPictures.ExifAsync(output, "Model"));
        Assert.StartsWith("48 deg 51'", await TestPictures.ExifAsync(output, "GPSLatitude"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strip_metadata_leaves_out_exif_and_gps()
    {
        var photo = await TestPictures.RotatedJpegAsync(_folder.Combine("private.jpg"));

        var (_, output) = await ConvertAsync(photo, "webp_private");

        Assert.Equal("", await TestPictures.ExifAsync(output, "DateTimeOriginal"));
        Assert.Equal("", await TestPictures.ExifAsync(output, "GPSLatitude"));
        using var image = Image.NewFromFile(output);
        Assert.Equal((1000, 2000), (image.Width, image.Height));
    }

    [Fact]
    public async Task An_iphone_heic_photo_converts_with_its_date_taken()
    {
        var photo = await TestPictures.HeicAsync(_folder.Combine("IMG_0001.HEIC"));

        var (item, output) = await ConvertAsync(photo);

        Assert.Equal(("heic", 512, 384), (item.Media!.Container, item.Media.Width, item.Media.Height));
        Assert.Equal("IMG_0001.webp", item.Output!.FileName);
        using var image = Image.NewFromFile(output);
        Assert.Equal((512, 384), (image.Width, image.Height));
        Assert.Equal(TestPictures.DateTaken, await TestPictures.ExifAsync(output, "DateTimeOriginal"));
    }

    [Fact]
    public async Task An_animated_gif_stays_an_animation_with_every_frame_and_its_timing()
    {
        var gif = await TestPictures.AnimatedGifAsync(_folder.Combine("dance.gif"), frames: 12);

        var (item, output) = await ConvertAsync(gif);

        Assert.Equal(12, item.Media!.Frames);
        using var image = Image.NewFromFile(output, kwargs: new VOption { { "n", -1 } });
        Assert.Equal(12, (int)image.Get("n-pages"));
        Assert.Equal((96, 64), (image.Width, image.PageHeight));
        Assert.All((int[])image.Get("delay"), delay => Assert.Equal(100, delay));
        Assert.Equal(0, (int)image.Get("loop"));
    }

    [Fact]
    public async Task Transparency_stays_transparent()
    {
        var png = await TestPictures.PngWithAlphaAsync(_folder.Combine("logo.png"));

        var (item, output) = await ConvertAsync(png);

        Assert.True(item.Media!.HasAlpha);
        using var image = Image.NewFromFile(output);
        Assert.True(image.HasAlpha());
        Assert.Equal(255, Pixel(image, 10, 32)[3]);
        Assert.Equal(0, Pixel(image, 120, 32)[3]);
    }

    [Fact]
    public async Task A_16_bit_png_keeps_its_colour_in_8_bits()
    {
        var png = await TestPictures.Png16Async(_folder.Combine("scan.png"));

        var (item, output) = await ConvertAsync(png);

        Assert.Equal("rgb16", item.Media!.ColourSpace);
        using var image = Image.NewFromFile(output);
        Assert.Equal(Enums.BandFormat.Uchar, image.Format);
        AssertColour([0x33, 0x66, 0xCC], Pixel(image, 48, 32), tolerance: 6);
    }

    [Fact]
    public async Task A_cmyk_jpeg_comes_out_in_its_colours_not_inverted()
    {
        var jpeg = await TestPictures.CmykJpegAsync(_folder.Combine("print.jpg"), "rgb(200,40,40)");

        var (item, output) = await ConvertAsync(jpeg);

        Assert.Equal("cmyk", item.Media!.ColourSpace);
        using var image = Image.NewFromFile(output);
        Assert.Equal(Enums.Interpretation.Srgb, image.Interpretation);
        AssertColour([200, 40, 40], Pixel(image, 48, 32), tolerance: 40);
    }

    [Fact]
    public async Task Max_dimension_scales_a_large_picture_down_and_never_a_small_one_up()
    {
        var photo = await TestPictures.RotatedJpegAsync(_folder.Combine("big.jpg"));
        var small = await TestMedia.ImageAsync(_folder.Combine("small.png"), size: "64x48", seed: 3);

        var (_, scaled) = await ConvertAsync(photo, "webp_small");
        var (_, kept) = await ConvertAsync(small, "webp_small");

        using var down = Image.NewFromFile(scaled);
        Assert.Equal((50, 100), (down.Width, down.Height));
        using var same = Image.NewFromFile(kept);
        Assert.Equal((64, 48), (same.Width, same.Height));
    }

    [Fact]
    public async Task An_avif_photo_converts()
    {
        var photo = await TestPictures.AvifAsync(_folder.Combine("photo.avif"));

        var (item, output) = await ConvertAsync(photo);

        Assert.Equal(("avif", 320, 240), (item.Media!.Container, item.Media.Width, item.Media.Height));
        using var image = Image.NewFromFile(output);
        Assert.Equal((320, 240), (image.Width, image.Height));
    }

    [Fact]
    public async Task An_animation_scaled_by_max_dimension_keeps_every_frame_the_same_size_and_its_timing()
    {
        var gif = await TestPictures.AnimatedGifAsync(_folder.Combine("big-dance.gif"), frames: 8, size: "240x160");

        var (_, output) = await ConvertAsync(gif, "webp_small");

        using var image = Image.NewFromFile(output, kwargs: new VOption { { "n", -1 } });
        Assert.Equal(8, (int)image.Get("n-pages"));
        Assert.Equal((100, 67), (image.Width, image.PageHeight));
        Assert.Equal(8 * 67, image.Height);
        Assert.All((int[])image.Get("delay"), delay => Assert.Equal(100, delay));
    }

    [Fact]
    public async Task Verify_decode_reads_every_frame_of_the_webp_before_it_counts()
    {
        var gif = await TestPictures.AnimatedGifAsync(_folder.Combine("checked.gif"), frames: 5);

        var (item, _) = await ConvertAsync(gif, "webp_checked");

        Assert.Equal(5, item.Media!.Frames);
    }

    private static void AssertColour(int[] expected, double[] actual, int tolerance)
    {
        for (var band = 0; band < 3; band++)
            Assert.True(Math.Abs(expected[band] - actual[band]) <= tolerance,
                $"expected about ({string.Join(", ", expected)}), got ({string.Join(", ", actual.Take(3).Select(value => Math.Round(value)))})");
    }
}
