using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Fetching.YtDlp;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>
/// Page links through the real yt-dlp (Debian's, installed by scripts/setup): a page with a &lt;video&gt; on a loopback
/// server, read by yt-dlp's generic extractor, every connection it makes through the broker's guarded proxy.
/// </summary>
public sealed class PageFetchTests : IAsyncLifetime
{
    private static readonly BrokerSettings LoopbackAllowed = MediaSite.LoopbackAllowed;
    private MediaSite _site = null!;

    public async Task InitializeAsync() => _site = await MediaSite.StartAsync("pages");

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private LinkServer Server => _site.Server;
    private byte[] Clip => _site.Clip;
    private string Target => _site.Target;

    [Fact]
    public async Task A_page_with_a_video_is_fetched_through_yt_dlp_with_its_title()
    {
        using var fetchers = new Fetchers(LoopbackAllowed);
        var fetched = await fetchers.FetchAsync(Server.Url("page.html"), Target);

        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
        Assert.StartsWith("A test clip", fetched.Title, StringComparison.Ordinal);
        Assert.Equal($"{fetched.Title}.mp4", fetched.FileName);
        Assert.Contains(Server.Requests, request => request.Path == "/clip.mp4");
        Assert.Contains(fetchers.Reports, report => report.Bytes == Clip.Length);
        Assert.False(Directory.Exists(Target + YtDlpFetcher.FolderSuffix));
    }

    [Fact]
    public async Task Media_a_page_leads_to_on_a_forbidden_address_is_refused_by_the_proxy_yt_dlp_goes_through()
    {
        // A second server on another loopback address, which the allow list does not name.
        await using var elsewhere = await LinkServer.StartAsync(_site.SiteFolder, "127.0.0.2");
        await File.WriteAllTextAsync(_site.File("elsewhere.html"),
            $"<html><head><title>Elsewhere</title></head><body><video src=\"{elsewhere.Url("clip.mp4")}\"></video></body></html>");
        using var fetchers = new Fetchers(LoopbackAllowed);

        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("elsewhere.html"), Target));

        Assert.Equal("the page leads to 127.0.0.2, which resolves to 127.0.0.2, a loopback address; add it to url_allow_list to allow it", refused.Message);
        Assert.Empty(elsewhere.Requests);
        Assert.Contains(Server.Requests, request => request.Path == "/elsewhere.html");
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task A_page_link_without_yt_dlp_fails_with_a_clear_message()
    {
        var missing = _site.File("no-such-folder/yt-dlp");
        using var fetchers = new Fetchers(LoopbackAllowed with { YtDlpPath = missing });

        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("page.html"), Target));

        Assert.Equal($"this link is a web page; fetching pages needs yt-dlp, which is not installed (yt_dlp_path: {missing})", refused.Message);
    }

    [Fact]
    public async Task A_page_without_media_fails_with_yt_dlp_s_reason()
    {
        await File.WriteAllTextAsync(_site.File("empty.html"), "<html><head><title>Nothing</title></head><body>No video here.</body></html>");
        using var fetchers = new Fetchers(LoopbackAllowed);

        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("empty.html"), Target));

        Assert.StartsWith("yt-dlp could not fetch the page: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported URL", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }
}
