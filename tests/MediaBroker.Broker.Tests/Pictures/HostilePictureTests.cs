using System.Net;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Pictures;

/// <summary>
/// Pictures made to hurt: decompression bombs, animations of thousands of frames, cut files, files that lie about what
/// they are. Each is refused on arrival from its header (nothing decoded) or fails with a reason; nothing else suffers.
/// </summary>
public sealed class HostilePictureTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("hostile-pictures");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<string> RefusalOfAsync(string path)
    {
        using var response = await _broker.PostMultipartAsync(path);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        return await response.ReadProblemDetailAsync();
    }

    [Fact]
    public async Task A_jpeg_claiming_60000_by_60000_pixels_is_refused_from_its_header()
    {
        var bomb = await TestPictures.JpegClaimingAsync(_folder.Combine("bomb.jpg"), 60000, 60000);

        var detail = await RefusalOfAsync(bomb);

        Assert.Contains("60000x60000", detail, StringComparison.Ordinal);
        Assert.Contains("max_image_pixels", detail, StringComparison.Ordinal);
        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task A_gif_of_2000_frames_is_refused_for_the_pixels_of_all_its_frames()
    {
        // 2,000 frames of 400x400: a few kilobytes on disk, 320 megapixels to decode.
        var gif = await TestPictures.GifOfManyFramesAsync(_folder.Combine("forever.gif"), frames: 2000);

        var detail = await RefusalOfAsync(gif);

        Assert.Contains("2000 frames", detail, StringComparison.Ordinal);
        Assert.Contains("max_image_pixels", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_picture_wider_than_a_webp_can_hold_is_refused_with_what_to_do()
    {
        var wide = _folder.Combine("panorama.png");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:size=20000x16", "-frames:v", "1", wide]);

        var detail = await RefusalOfAsync(wide);

        Assert.Contains("16383", detail, StringComparison.Ordinal);
        Assert.Contains("max_dimension", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_starts_like_a_jpeg_but_is_not_one_is_refused()
    {
        var liar = _folder.WriteFile("photo.jpg", [0xFF, 0xD8, 0xFF, 0xE0, .. System.Text.Encoding.ASCII.GetBytes("this is not a picture at all, only text")]);

        var detail = await RefusalOfAsync(liar);

        Assert.Contains("cannot be read", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_file_named_like_a_photo_is_refused()
    {
        var text = _folder.WriteFile("holiday.jpg", "Dear diary, today we went to the sea."u8.ToArray());

        var detail = await RefusalOfAsync(text);

        Assert.Contains("not a media file", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_svg_that_points_at_a_local_file_is_never_parsed()
    {
        // SVG (like PDF, MATLAB or a vips raw image) is not a format the broker takes; libvips' loader for it is blocked.
        var secret = _folder.WriteFile("secret.png", File.ReadAllBytes(await TestMedia.ImageAsync(_folder.Combine("s.png"))));
        var svg = _folder.WriteFile("drawing.svg", System.Text.Encoding.UTF8.GetBytes(
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"64\" height=\"48\"><image xlink:href=\"file://{secret}\" width=\"64\" height=\"48\"/></svg>"));

        await RefusalOfAsync(svg);

        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task A_photo_cut_short_fails_with_the_reason_and_the_next_picture_still_converts()
    {
        var cut = await TestPictures.TruncatedJpegAsync(_folder.Combine("cut.jpg"));
        var good = await TestMedia.ImageAsync(_folder.Combine("good.png"), seed: 61);

        var failed = await _broker.Api.WaitUntilFinishedAsync((await (await _broker.PostMultipartAsync(cut)).ReadItemAsync()).ItemId);
        var converted = await _broker.Api.WaitUntilFinishedAsync((await (await _broker.PostMultipartAsync(good)).ReadItemAsync()).ItemId);

        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.StartsWith("the picture could not be converted: ", failed.Errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(_broker.Store.Data.Root, failed.Errors[0], StringComparison.Ordinal);
        Assert.Equal(ItemStatus.FinishedSuccessful, converted.Status);
        DataFolderAssert.NoPartialFiles(_broker.Store.Data, whileRunning: true);
    }
}
