using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>
/// Requests that break the broker's limits or HTTP itself: each answered with problem+json that says what is wrong,
/// except what Kestrel refuses before any of the broker's code runs (a status, an empty body), pinned down here too.
/// </summary>
public sealed class HostileRequestTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("hostile-requests");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>The broker still answers a plain request after a hostile one.</summary>
    private async Task AssertStillServingAsync()
    {
        using var server = await _broker.Http.GetAsync("api/server");
        Assert.Equal(HttpStatusCode.OK, server.StatusCode);
    }

    [Fact]
    public async Task A_10_KiB_address_is_a_414_problem()
    {
        using var response = await _broker.Http.GetAsync($"api/items?client_id={new string('a', 10 * 1024)}");

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        var detail = await response.ReadProblemDetailAsync();
        Assert.Contains("the request line (method, address with its query, version) is 10", detail, StringComparison.Ordinal);
        Assert.Contains("at most 8192", detail, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_address_just_within_8_KiB_is_served()
    {
        // "GET /api/items?client_id=... HTTP/1.1\r\n": 8192 bytes exactly.
        var filler = new string('a', 8192 - "GET /api/items?client_id= HTTP/1.1\r\n".Length);
        using var response = await _broker.Http.GetAsync($"api/items?client_id={filler}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_40_KiB_header_is_a_431_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/server");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 40 * 1024));

        using var response = await _broker.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Matches(@"^the request's headers are 4\d{4} bytes in all; this broker takes at most 32768$", await response.ReadProblemDetailAsync());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task More_than_100_header_lines_are_a_431_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/server");
        foreach (var i in Enumerable.Range(0, 120)) request.Headers.TryAddWithoutValidation($"X-Line-{i}", "x");

        using var response = await _broker.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Contains("header lines; this broker takes at most 100", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Past_kestrels_outer_bounds_the_answer_is_its_own_status_with_an_empty_body()
    {
        // Documented as beyond reach: Kestrel answers these before any middleware runs.
        var line = await RawHttp.SendAsync(_broker.Url, $"GET /api/server?x={new string('a', 70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n");
        var headers = await RawHttp.SendAsync(_broker.Url, $"GET /api/server HTTP/1.1\r\nHost: x\r\nX-Padding: {new string('a', 70 * 1024)}\r\n\r\n");

        Assert.Equal(414, line.Status);
        Assert.Equal(431, headers.Status);
        foreach (var response in new[] { line, headers })
        {
            Assert.Equal("0", response.Header("Content-Length"));
            Assert.Equal("", response.Body);
        }
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("GET /api/server HTTP/1.1\r\nHost: x\r\nthis line is no header\r\n\r\n")]
    [InlineData("GET /api/server HTTP/1.1\r\nHost: x\r\nX-Name : space before the colon\r\n\r\n")]
    [InlineData("GET /api/server HTTP/1.1 and more\r\nHost: x\r\n\r\n")]
    [InlineData("GET\r\n\r\n")]
    [InlineData("POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello")]
    public async Task A_request_kestrel_cannot_parse_gets_its_bare_400(string request)
    {
        var response = await RawHttp.SendAsync(_broker.Url, request);

        // Documented as beyond reach: Kestrel's own 400, no body, and the connection closed.
        Assert.Equal(400, response.Status);
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal("", response.Body);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("api/nothing")]
    [InlineData("no/such/thing")]
    [InlineData("api/items/not-an-id/output")]
    public async Task An_unknown_address_is_a_404_problem(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html"); // problem+json all the same: it is all the broker speaks

        using var response = await _broker.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nothing is at /", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_the_route_does_not_take_is_a_405_problem_that_names_the_ones_it_does()
    {
        using var response = await _broker.Http.PutAsync("api/server", new StringContent("x"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
        Assert.Equal("/api/server does not take PUT; it takes GET", await response.ReadProblemDetailAsync());
    }
}
