using System.Net;
using System.Net.Http.Headers;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>One broker with one converted picture, shared by the range tests (they only read it).</summary>
public sealed class ConvertedOutput : IAsyncLifetime
{
    private readonly TempFolder _folder = new("range");

    public RunningBroker Broker { get; private set; } = null!;
    public Item Item { get; private set; } = null!;
    public byte[] Bytes { get; private set; } = null!;
    /// <summary>The Last-Modified the output is served with, as a client sees it.</summary>
    public DateTimeOffset LastModified { get; private set; }
    public string ETag => $"\"{Item.Output!.Sha512Checksum}\"";
    public string Path => $"api/items/{Item.ItemId}/output";

    public async Task InitializeAsync()
    {
        Broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var image = await TestMedia.ImageAsync(_folder.Combine("range.png"), size: "320x240");
        var created = await Broker.PostMultipartAsync(image);
        Item = await Broker.Api.WaitUntilFinishedAsync((await created.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, Item.Status);
        using var whole = await Broker.Http.GetAsync(Path);
        Bytes = await whole.Content.ReadAsByteArrayAsync();
        LastModified = whole.Content.Headers.LastModified!.Value;
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// Range and If-Range on GET /api/items/{id}/output as RFC 9110 has them: a range in an unknown unit and a Range
/// under an If-Range that does not match are ignored (200, the whole file); a matching one is served (206); one past
/// the end is a 416 problem that still says the length.
/// </summary>
public sealed class OutputRangeTests(ConvertedOutput output) : IClassFixture<ConvertedOutput>
{
    private async Task<HttpResponseMessage> GetAsync(string range, string? ifRange = null, Action<HttpRequestMessage>? more = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, output.Path);
        request.Headers.TryAddWithoutValidation("Range", range);
        if (ifRange is not null) request.Headers.TryAddWithoutValidation("If-Range", ifRange);
        more?.Invoke(request);
        return await output.Broker.Http.SendAsync(request);
    }

    private async Task AssertWholeFileAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentRange);
        Assert.Equal(output.Bytes, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task AssertFirstTenBytesAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 0-9/{output.Bytes.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(output.Bytes[..10], await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=0-9")]
    [InlineData("BYTES=0-9")] // a range unit is case-insensitive
    [InlineData("bytes=-999999999999")]
    public async Task A_valid_byte_range_is_served_with_206(string range)
    {
        using var response = await GetAsync(range);
        if (range.StartsWith("bytes=-", StringComparison.Ordinal))
        {
            // A suffix longer than the file is the whole file, still as a range.
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(output.Bytes, await response.Content.ReadAsByteArrayAsync());
        }
        else await AssertFirstTenBytesAsync(response);
    }

    [Theory]
    [InlineData("pages=1-2")]
    [InlineData("items=0-9")]
    [InlineData("bytes=0-9, pages=1-2")]
    public async Task A_range_in_a_unit_the_server_does_not_know_is_ignored(string range)
    {
        using var response = await GetAsync(range);
        await AssertWholeFileAsync(response);
    }

    [Fact]
    public async Task Several_ranges_get_the_whole_file()
    {
        // RFC 9110 lets a server ignore Range; ASP.NET does for more than one range rather than send multipart/byteranges.
        using var response = await GetAsync("bytes=0-1,5-6");
        await AssertWholeFileAsync(response);
    }

    [Fact]
    public async Task An_if_range_with_the_current_strong_etag_keeps_the_range()
    {
        using var response = await GetAsync("bytes=0-9", output.ETag);
        await AssertFirstTenBytesAsync(response);
    }

    [Fact]
    public async Task An_if_range_with_exactly_the_last_modified_date_keeps_the_range()
    {
        using var response = await GetAsync("bytes=0-9", output.LastModified.ToString("r"));
        await AssertFirstTenBytesAsync(response);
    }

    public static TheoryData<string> ValidatorsThatDoNotMatch => new()
    {
        "\"another-etag\"",
        "not a validator",
        "\"unterminated",
        "",
    };

    [Theory]
    [MemberData(nameof(ValidatorsThatDoNotMatch))]
    [InlineData("weak")]
    [InlineData("a day later")]
    [InlineData("a second later")]
    [InlineData("a day earlier")]
    [InlineData("twice")]
    public async Task An_if_range_that_does_not_match_exactly_gets_the_whole_file(string validator)
    {
        var ifRange = validator switch
        {
            "weak" => $"W/{output.ETag}", // never a strong match, even with the right tag
            "a day later" => output.LastModified.AddDays(1).ToString("r"),
            "a second later" => output.LastModified.AddSeconds(1).ToString("r"),
            "a day earlier" => output.LastModified.AddDays(-1).ToString("r"),
            "twice" => $"{output.ETag}, {output.ETag}",
            _ => validator,
        };

        using var response = await GetAsync("bytes=0-9", ifRange);

        await AssertWholeFileAsync(response);
    }

    [Fact]
    public async Task A_range_past_the_end_is_a_416_problem_with_the_length_in_content_range()
    {
        using var response = await GetAsync("bytes=999999999-");

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{output.Bytes.Length}", response.Content.Headers.ContentRange?.ToString());
        var detail = await response.ReadProblemDetailAsync();
        Assert.Contains($"past the end of the output ({output.Bytes.Length} bytes)", detail, StringComparison.Ordinal);
        Assert.Contains($"ask for bytes 0 to {output.Bytes.Length - 1}", detail, StringComparison.Ordinal);
        Assert.Null(response.Content.Headers.ContentDisposition); // a problem is no download
    }

    [Fact]
    public async Task A_range_past_the_end_of_a_file_the_client_already_has_is_still_a_304()
    {
        // Preconditions come before Range (RFC 9110 §13.2.2): the 416 body only replaces an empty 416.
        using var response = await GetAsync("bytes=999999999-", more: request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(output.ETag)));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task An_if_match_that_fails_is_a_412_problem()
    {
        // ASP.NET's file result answers it with no body; the status code pages give it one.
        using var request = new HttpRequestMessage(HttpMethod.Get, output.Path);
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"another-etag\""));

        using var response = await output.Broker.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("If-Match or If-Unmodified-Since does not hold", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }
}
