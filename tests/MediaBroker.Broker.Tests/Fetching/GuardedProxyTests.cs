using System.Net.Sockets;
using System.Text;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Broker.Fetching.YtDlp;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>The proxy yt-dlp goes through, spoken to by hand: CONNECT tunnels (how HTTPS goes) and absolute-form requests.</summary>
public sealed class GuardedProxyTests : IAsyncLifetime
{
    private MediaSite _site = null!;

    public async Task InitializeAsync() => _site = await MediaSite.StartAsync("proxy");

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private static GuardedProxy Proxy(params string[] allowed) => new(new GuardedConnection(new AddressRules(new UrlAllowList(allowed))));

    [Fact]
    public async Task A_tunnel_to_an_allowed_address_carries_the_exchange_end_to_end()
    {
        await using var proxy = Proxy("127.0.0.1");
        var answer = await ExchangeAsync(proxy,
            $"CONNECT 127.0.0.1:{_site.Server.Root.Port} HTTP/1.1\r\nHost: 127.0.0.1:{_site.Server.Root.Port}\r\n\r\n" +
            $"GET /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 Connection established\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("<title>A test clip</title>", answer, StringComparison.Ordinal);
        Assert.Empty(proxy.Refusals);
    }

    [Theory]
    [InlineData("CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n", "10.0.0.1", "a private address")]
    [InlineData("CONNECT [fd00:ec2::254]:80 HTTP/1.1\r\nHost: [fd00:ec2::254]:80\r\n\r\n", "fd00:ec2::254", "a cloud metadata address")]
    [InlineData("GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n", "169.254.169.254", "a cloud metadata address")]
    [InlineData("GET http://0x7f000001:9/ HTTP/1.1\r\nHost: 0x7f000001:9\r\n\r\n", "127.0.0.1", "a loopback address")]
    public async Task A_connection_to_a_forbidden_address_is_answered_403_and_never_opened(string request, string address, string reason)
    {
        await using var proxy = Proxy(); // loopback not allowed either
        var answer = await ExchangeAsync(proxy, request);

        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", answer, StringComparison.Ordinal);
        var refused = Assert.Single(proxy.Refusals);
        Assert.Equal(address, refused.Address.ToString());
        Assert.Equal(reason, refused.Reason);
    }

    [Fact]
    public async Task A_plain_request_is_forwarded_in_origin_form_without_proxy_headers()
    {
        await using var proxy = Proxy("127.0.0.1");
        var answer = await ExchangeAsync(proxy,
            $"GET {_site.Server.Url("clip.mp4")} HTTP/1.1\r\nHost: 127.0.0.1:{_site.Server.Root.Port}\r\nProxy-Connection: keep-alive\r\nRange: bytes=0-9\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 206 Partial Content\r\n", answer, StringComparison.Ordinal);
        var seen = Assert.Single(_site.Server.Requests);
        Assert.Equal("/clip.mp4", seen.Path);
        Assert.Equal("bytes=0-9", seen.Range);
    }

    [Fact]
    public async Task A_request_for_another_scheme_is_refused()
    {
        await using var proxy = Proxy("127.0.0.1");
        var answer = await ExchangeAsync(proxy, "GET ftp://127.0.0.1/clip.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
    }

    /// <summary>Sends the bytes, reads until the proxy closes the connection.</summary>
    private static async Task<string> ExchangeAsync(GuardedProxy proxy, string request)
    {
        using var limit = new CancellationTokenSource(Testing.Eventually.DefaultLimit);
        using var client = new TcpClient();
        await client.ConnectAsync(proxy.Url.Host, proxy.Url.Port, limit.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), limit.Token);
        var answer = new MemoryStream();
        await stream.CopyToAsync(answer, limit.Token);
        return Encoding.Latin1.GetString(answer.ToArray());
    }
}
