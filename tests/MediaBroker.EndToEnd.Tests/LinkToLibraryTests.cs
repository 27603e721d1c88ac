using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// Links in, library out, as a Plex or Jellyfin user runs it: a real broker process with a library_path and 127.0.0.1
/// in its url_allow_list fetches from a web server on loopback (a direct link, and a page through the real yt-dlp),
/// converts, and places the film under its title in the folder the link named, the title also in the mkv.
/// </summary>
public sealed class LinkToLibraryTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("link-library");
    private LinkServer _site = null!;
    private BrokerProcess _broker = null!;

    private string Library => _folder.Combine("library");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder.Combine("site"));
        await TestMedia.VideoAsync(_folder.Combine("site", "lighthouse.mp4"), seconds: 1, size: "320x240", extension: "mp4");
        await File.WriteAllTextAsync(_folder.Combine("site", "harbour.html"),
            "<!DOCTYPE html><html><head><title>Harbour at Dusk</title></head><body><video src=\"lighthouse.mp4\"></video></body></html>");
        _site = await LinkServer.StartAsync(_folder.Combine("site"));
        _broker = await BrokerProcess.StartAsync(_folder.Combine("data"), configPath: _folder.WriteFile("broker.json",
            """{ "url_allow_list": ["127.0.0.1"], "library_path": "library" }"""u8.ToArray()));
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _site.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> AddAndPlaceAsync(string path, string directory)
    {
        var (created, isNew) = await _broker.Api.AddLinkAsync(new LinkRequest { Url = _site.Url(path).AbsoluteUri, ConversionType = "mkv_x264", Directory = directory });
        Assert.True(isNew);
        var finished = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.True(finished.Status == ItemStatus.FinishedSuccessful, string.Join("; ", finished.Errors));
        return await _broker.Api.WaitForAsync(created.ItemId, item => item.Library is not null, "its place in the library");
    }


    [Fact]
    public async Task A_direct_link_is_fetched_converted_and_placed_in_the_library_under_its_title()
    {
        var item = await AddAndPlaceAsync("lighthouse.mp4", "Films/Coast");

        Assert.Equal("Films/Coast/lighthouse.mkv", item.Library!.Path);
        var placed = Path.Combine(Library, "Films", "Coast", "lighthouse.mkv");
        Assert.Equal("lighthouse", await TestMedia.TitleTagAsync(placed));
        Assert.Equal(item.Output!.Sha512Checksum, await MediaBroker.Shared.Hashing.Sha512Hex.OfFileAsync(placed));
        Assert.Equal(_site.Url("lighthouse.mp4").AbsoluteUri, item.Source!.Url);
    }

    [Fact]
    public async Task A_page_link_goes_through_yt_dlp_and_lands_under_the_pages_title()
    {
        var item = await AddAndPlaceAsync("harbour.html", "Films");

        // yt-dlp's generic extractor names the video after the page; the library file and the mkv carry that title.
        var title = item.Source!.Title;
        Assert.NotNull(title);
        Assert.StartsWith("Harbour at Dusk", title, StringComparison.Ordinal);
        // The year is the one yt-dlp gives (here from the clip's Last-Modified: it was made today): "Title (Year)".
        Assert.Equal(DateTime.UtcNow.Year, item.Source.Year);
        var name = $"{title} ({item.Source.Year}).mkv";
        Assert.Equal($"Films/{name}", item.Library!.Path);
        var placed = Path.Combine(Library, "Films", name);
        Assert.Equal(title, await TestMedia.TitleTagAsync(placed));
        Assert.Contains("h264", await TestMedia.ProbeAsync(placed));
    }
}
