using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Fetching.Http;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>Direct media links, fetched from a real web server on 127.0.0.1 (the only address in the allow list).</summary>
public sealed class DirectFetchTests : IAsyncLifetime
{
    private static readonly BrokerSettings LoopbackAllowed = MediaSite.LoopbackAllowed;
    private MediaSite _site = null!;

    public async Task InitializeAsync() => _site = await MediaSite.StartAsync("fetch", seconds: 3);

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private LinkServer Server => _site.Server;
    private byte[] Clip => _site.Clip;
    private string Target => _site.Target;

    [Fact]
    public async Task A_direct_link_is_fetched_byte_for_byte_with_its_name_and_progress()
    {
        using var fetchers = new Fetchers(LoopbackAllowed);
        var fetched = await fetchers.FetchAsync(Server.Url("clip.mp4"), Target);

        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
        Assert.Equal("clip.mp4", fetched.FileName);
        Assert.Null(fetched.Title);
        Assert.Equal(new FetchProgress(Clip.Length, Clip.Length, 0), fetchers.Reports[^1]);
        Assert.False(File.Exists(ResumeState.PathFor(Target)));
    }

    [Fact]
    public async Task A_running_broker_fetches_with_its_settings_and_its_own_fetcher()
    {
        await using var broker = await RunningBroker.StartAsync(Path.Combine(Path.GetDirectoryName(Target)!, "data"),
            settings => settings with { UrlAllowList = ["127.0.0.1"] });
        var fetcher = broker.Services.GetRequiredService<IInputFetcher>();
        await fetcher.FetchAsync(Server.Url("clip.mp4"), Target, new Progress<FetchProgress>(), CancellationToken.None);
        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
    }

    [Fact]
    public async Task A_link_cut_mid_way_resumes_with_range_and_the_file_is_whole()
    {
        await using var poorLink = new CuttingProxy(Server.Root, cutAfterBytes: Clip.Length / 3, cuts: 2, cutUploads: false) { Reset = false };
        using var fetchers = new Fetchers(LoopbackAllowed);
        await fetchers.FetchAsync(new Uri(poorLink.Url, "clip.mp4"), Target);

        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
        Assert.Equal(2, poorLink.CutsMade);
        var resumed = Server.Requests.Where(request => request.Range.Length > 0).ToList();
        Assert.Equal(2, resumed.Count);
        Assert.All(resumed, request => Assert.Matches("^bytes=[1-9][0-9]*-$", request.Range));
        Assert.All(resumed, request => Assert.StartsWith("\"", request.IfRange, StringComparison.Ordinal)); // the ETag
    }

    [Fact]
    public async Task A_fetch_stopped_half_way_resumes_after_a_restart()
    {
        long kept;
        await using (var poorLink = new CuttingProxy(Server.Root, cutAfterBytes: Clip.Length / 2, cuts: 1, cutUploads: false) { Reset = false })
        using (var first = new Fetchers(LoopbackAllowed))
        using (var stop = new CancellationTokenSource())
        {
            var fetching = first.FetchAsync(new Uri(poorLink.Url, "clip.mp4"), Target, stop.Token);
            // Stopped while it waits to try again after the cut, as a broker is stopped mid-fetch.
            await Eventually.TrueAsync(() => poorLink.CutsMade == 1 && File.Exists(Target) && new FileInfo(Target).Length > 0, "part of the file on disk");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetching);
            kept = new FileInfo(Target).Length;
        }
        Assert.InRange(kept, 1, Clip.Length - 1);
        Assert.True(File.Exists(ResumeState.PathFor(Target)));

        using var restarted = new Fetchers(LoopbackAllowed);
        await restarted.FetchAsync(Server.Url("clip.mp4"), Target);

        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
        var resumed = Assert.Single(Server.Requests, request => request.Range.Length > 0);
        Assert.Equal($"bytes={kept}-", resumed.Range);
        Assert.NotEmpty(resumed.IfRange);
    }

    [Fact]
    public async Task A_partial_file_of_a_file_that_changed_on_theServer_is_fetched_anew()
    {
        await File.WriteAllBytesAsync(Target, new byte[1000]); // from an older version of the file
        await new ResumeState("\"an-older-version\"", null).WriteAsync(new System.IO.Abstractions.FileSystem(), Target, CancellationToken.None);
        using var fetchers = new Fetchers(LoopbackAllowed);
        await fetchers.FetchAsync(Server.Url("clip.mp4"), Target);

        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
        Assert.Contains(Server.Requests, request => request is { Range: "bytes=1000-", IfRange: "\"an-older-version\"" });
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a cloud metadata address")]
    [InlineData("http://10.0.0.1/clip.mp4", "10.0.0.1, a private address")]
    [InlineData("http://[::ffff:192.168.1.1]/clip.mp4", "::ffff:192.168.1.1, a private address (192.168.1.1 inside ::ffff:192.168.1.1)")]
    public async Task A_redirect_to_a_forbidden_address_is_refused_before_connecting(string location, string what)
    {
        Server.Redirect("/go", location);
        using var fetchers = new Fetchers(LoopbackAllowed);
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("go"), Target));

        Assert.Equal($"redirected to {location}, which resolves to {what}; add it to url_allow_list to allow it", refused.Message);
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task A_redirect_to_a_file_url_is_refused()
    {
        Server.Redirect("/go", "file:///etc/passwd");
        using var fetchers = new Fetchers(LoopbackAllowed);
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("go"), Target));
        Assert.Equal("redirected to file:///etc/passwd: only http and https links are fetched", refused.Message);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://127.0.0.1/clip.mp4")]
    public async Task A_link_that_is_not_http_or_https_is_refused(string link)
    {
        using var fetchers = new Fetchers(LoopbackAllowed);
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(new Uri(link), Target));
        Assert.Equal($"{link}: only http and https links are fetched", refused.Message);
    }

    [Theory]
    [InlineData("http://10.1.2.3/clip.mp4", "10.1.2.3, a private address")]
    [InlineData("http://192.168.0.10:8080/clip.mp4", "192.168.0.10, a private address")]
    [InlineData("http://0xa9fea9fe/latest/", "169.254.169.254, a cloud metadata address")]
    public async Task A_private_address_not_in_the_allow_list_is_refused(string link, string what)
    {
        using var fetchers = new Fetchers(LoopbackAllowed);
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(new Uri(link), Target));
        Assert.Equal($"the link resolves to {what}; add it to url_allow_list to allow it", refused.Message);
    }

    [Fact]
    public async Task A_name_resolving_to_loopback_is_refused_unless_loopback_is_in_the_allow_list()
    {
        var byName = new Uri($"http://localhost:{Server.Root.Port}/clip.mp4");
        using (var closed = new Fetchers(new BrokerSettings()))
        {
            var refused = await Assert.ThrowsAsync<FetchFailed>(() => closed.FetchAsync(byName, Target));
            Assert.Matches("^the link resolves to (127.0.0.1|::1), a loopback address; add it to url_allow_list to allow it$", refused.Message);
            Assert.Empty(Server.Requests);
        }

        using var open = new Fetchers(new BrokerSettings { UrlAllowList = ["127.0.0.0/8", "::1"] });
        await open.FetchAsync(byName, Target);
        Assert.Equal(Clip, await File.ReadAllBytesAsync(Target));
    }

    [Fact]
    public async Task A_file_larger_than_max_download_bytes_is_refused_at_once()
    {
        using var fetchers = new Fetchers(LoopbackAllowed with { MaxDownloadBytes = 1000 });
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("clip.mp4"), Target));
        Assert.Equal($"127.0.0.1 offers {Clip.Length} bytes, larger than max_download_bytes (1000 bytes)", refused.Message);
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task A_body_of_unknown_length_growing_past_max_download_bytes_is_cut_off_and_fails()
    {
        using var fetchers = new Fetchers(LoopbackAllowed with { MaxDownloadBytes = 1 << 20 });
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("endless.mp4"), Target));
        Assert.Equal("127.0.0.1 sent more than max_download_bytes (1 MiB); cut off", refused.Message);
        Assert.False(File.Exists(Target));
    }

    [Fact]
    public async Task A_fetch_still_going_after_download_timeout_minutes_is_stopped_and_fails()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var fetchers = new Fetchers(LoopbackAllowed with { DownloadTimeoutMinutes = 5 }, time);
        var fetching = fetchers.FetchAsync(Server.Url("stalled.mp4"), Target);
        await Eventually.TrueAsync(() => File.Exists(Target) && new FileInfo(Target).Length == 10, "the first bytes on disk");

        time.Advance(TimeSpan.FromMinutes(5));

        var failed = await Assert.ThrowsAsync<FetchFailed>(() => fetching.WaitAsync(Eventually.DefaultLimit));
        Assert.Equal("not fetched within 5 minutes (download_timeout_minutes)", failed.Message);
    }

    [Fact]
    public async Task A_missing_file_fails_with_the_status_and_the_host()
    {
        using var fetchers = new Fetchers(LoopbackAllowed);
        var refused = await Assert.ThrowsAsync<FetchFailed>(() => fetchers.FetchAsync(Server.Url("nothing.mp4"), Target));
        Assert.Equal("HTTP 404 from 127.0.0.1", refused.Message);
    }
}
