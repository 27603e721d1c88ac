using System.Net;
using System.Net.Http.Headers;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>Every refusal of POST /api/items: the right status, a detail a person understands, and nothing kept.</summary>
public sealed class UploadRejectionTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("reject");
    private readonly BrokerFleet _brokers;

    public UploadRejectionTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    private Task<RunningBroker> StartAsync(Func<MediaBroker.Broker.Configuration.BrokerSettings, MediaBroker.Broker.Configuration.BrokerSettings>? configure = null) =>
        _brokers.StartAsync(configure);

    /// <summary>Nothing of a refused upload stays anywhere: no item, no staging folder, no file in a state folder.</summary>
    private static void AssertNothingKept(RunningBroker broker)
    {
        Assert.Empty(broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
        Assert.Empty(Directory.EnumerateFileSystemEntries(broker.Store.Data.Incoming));
        foreach (var status in ItemStatuses.All)
            Assert.Empty(Directory.EnumerateFileSystemEntries(broker.Store.Data.StateFolder(status)));
    }

    [Fact]
    public async Task Upload_with_wrong_checksum_is_rejected_with_422_and_nothing_is_stored()
    {
        var broker = await StartAsync();
        var image = await TestMedia.ImageAsync(_folder.Combine("a.png"));

        var multipart = await broker.PostMultipartAsync(image, fields: new Dictionary<string, string> { ["sha512_checksum"] = Sha512Hex.Of("other"u8) });
        var raw = await broker.PostRawAsync(File.ReadAllBytes(image), $"file_name=a.png&sha512_checksum={Sha512Hex.Of("other"u8)}");

        foreach (var response in new[] { multipart, raw })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Contains("does not match", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task The_same_content_and_conversion_type_returns_the_existing_item_with_200_and_no_second_copy()
    {
        var broker = await StartAsync();
        var image = await TestMedia.ImageAsync(_folder.Combine("b.png"));
        var sha = await Sha512Hex.OfFileAsync(image);

        var first = await broker.PostMultipartAsync(image);
        var again = await broker.PostMultipartAsync(image, "renamed.png");
        var raw = await broker.PostRawAsync(File.ReadAllBytes(image), $"file_name=b.png&conversion_type=webp&sha512_checksum={sha}");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        var id = (await first.ReadItemAsync()).ItemId;
        Assert.Equal(id, (await again.ReadItemAsync()).ItemId);
        Assert.Equal(id, (await raw.ReadItemAsync()).ItemId);
        Assert.Single(broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
        Assert.Empty(Directory.EnumerateFileSystemEntries(broker.Store.Data.Incoming));
    }

    [Fact]
    public async Task A_text_file_named_mp4_is_refused_with_415_and_a_readable_reason()
    {
        var broker = await StartAsync();
        var text = _folder.WriteFile("movie.mp4", "This is not a film, just some notes.\n"u8.ToArray());

        var response = await broker.PostMultipartAsync(text);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("not a media file", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_media_type_the_broker_does_not_support_is_refused_with_415()
    {
        var broker = await StartAsync(settings => settings with { ListOfSupportedMediaTypes = ["video"] });
        var image = await TestMedia.ImageAsync(_folder.Combine("c.png"));

        var response = await broker.PostMultipartAsync(image);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("this file is image; this broker converts video", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task An_unknown_conversion_type_is_refused_with_400_naming_the_offered_ones_before_the_body_is_read()
    {
        var broker = await StartAsync();

        var response = await broker.PostRawAsync(new byte[1000], "file_name=x.mkv&conversion_type=divx");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ReadProblemDetailAsync();
        Assert.Contains("'divx' is not offered here; choose one of: ", detail, StringComparison.Ordinal);
        Assert.Contains("mkv_x265", detail, StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_conversion_type_that_does_not_accept_the_media_is_refused_with_415()
    {
        var broker = await StartAsync();
        var video = await TestMedia.VideoAsync(_folder.Combine("v.mkv"));

        var response = await broker.PostMultipartAsync(video, fields: new Dictionary<string, string> { ["conversion_type"] = "webp" });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("'webp' does not accept video", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task An_upload_over_max_upload_bytes_is_refused_with_413_whether_or_not_it_announces_its_size()
    {
        var broker = await StartAsync(settings => settings with { MaxUploadBytes = 3000 });
        var body = new byte[3 << 20];

        var announced = await broker.PostRawAsync(body, "file_name=big.bin");
        var chunked = await broker.Http.PostAsync("api/items?file_name=big.bin", new StreamContent(new MemoryStream(body)) { Headers = { ContentLength = null } });
        var multipart = await broker.PostMultipartAsync(_folder.WriteFile("big.bin", body));

        foreach (var response in new[] { announced, chunked, multipart })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("max_upload_bytes (3000 bytes)", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task An_upload_that_would_leave_less_than_min_free_bytes_is_refused_with_507()
    {
        var broker = await StartAsync(settings => settings with { MinFreeBytes = long.MaxValue / 2 });
        var image = await TestMedia.ImageAsync(_folder.Combine("d.png"));

        var response = await broker.PostMultipartAsync(image);

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Contains("min_free_bytes", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Theory]
    [InlineData("file_name=a.png&sha512_checksum=abc", "sha512_checksum must be 128 hex digits")]
    [InlineData("file_name=a.png&client_id=../../etc", "client_id may hold")]
    public async Task Malformed_claims_are_refused_with_400(string query, string expected)
    {
        var broker = await StartAsync();
        var response = await broker.PostRawAsync(new byte[10], query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_multipart_upload_without_a_file_part_is_refused_with_400()
    {
        var broker = await StartAsync();
        using var form = new MultipartFormDataContent { { new StringContent("webp"), "conversion_type" } };
        var response = await broker.Http.PostAsync("api/items", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("a part named 'file'", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    private const string Boundary = "hostile-boundary";

    private static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static string PartHead(string name, string? fileName = null, params string[] extraHeaders) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{(fileName is null ? "" : $"; filename=\"{fileName}\"")}\r\n"
        + string.Concat(extraHeaders.Select(header => header + "\r\n")) + "\r\n";

    private static byte[] MalformedBody(string kind) => kind switch
    {
        "truncated in the file" => [.. Ascii(PartHead("file", "a.png")), .. new byte[100_000]],
        "no closing boundary" => Ascii(PartHead("file_name") + "a.png\r\n" + PartHead("file", "a.png") + "some bytes\r\n"),
        "empty" => [],
        "17 part headers" => Ascii(PartHead("file", "a.png", [.. Enumerable.Range(0, 16).Select(i => $"X-Extra-{i}: {i}")]) + $"x\r\n--{Boundary}--\r\n"),
        "a 1 MiB part header" => Ascii(PartHead("file", "a.png", "X-Padding: " + new string('a', 1 << 20)) + $"x\r\n--{Boundary}--\r\n"),
        "a header line without a colon" => Ascii(PartHead("file", "a.png", "this is no header") + $"x\r\n--{Boundary}--\r\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async Task<HttpResponseMessage> PostMultipartBytesAsync(RunningBroker broker, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={Boundary}");
        return await broker.Http.PostAsync("api/items", content);
    }

    /// <summary>Multipart bodies the parser cannot read to their end, each named for what is wrong with it.</summary>
    [Theory]
    [InlineData("truncated in the file", "it ends before its closing boundary '--hostile-boundary--'")]
    [InlineData("no closing boundary", "it ends before its closing boundary '--hostile-boundary--'")]
    [InlineData("empty", "it ends before its closing boundary '--hostile-boundary--'")]
    [InlineData("17 part headers", "Multipart headers count limit 16 exceeded; a part may have at most 16 header lines")]
    [InlineData("a 1 MiB part header", "Multipart headers length limit 16384 exceeded")]
    [InlineData("a header line without a colon", "Invalid header line: this is no header")]
    public async Task A_malformed_multipart_body_is_refused_with_400_and_nothing_is_kept(string kind, string reason)
    {
        var broker = await StartAsync();

        using var response = await PostMultipartBytesAsync(broker, MalformedBody(kind));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"the multipart body is malformed: {reason}", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_stalled_multipart_upload_is_a_408_not_a_malformed_body()
    {
        var broker = await StartAsync(settings => settings with { StalledRequestTimeoutSeconds = 2 });
        var body = Ascii(PartHead("file", "a.png"));

        // The connection stays open with the body half sent: the parser waits for bytes, and it is the wait that fails.
        var response = await RawHttp.SendAsync(broker.Url,
            $"POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: 1000000\r\n\r\n",
            [.. body, .. new byte[50_000]]);

        Assert.Equal(408, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        Assert.Contains("no data arrived for 2 seconds", response.Body, StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_17th_field_is_refused_with_400_before_the_body_is_read_to_its_end()
    {
        var broker = await StartAsync();
        var fields = string.Concat(Enumerable.Range(0, 17).Select(i => PartHead($"note{i}") + "x\r\n"));

        using var response = await PostMultipartBytesAsync(broker, Ascii(fields + $"--{Boundary}--\r\n"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 16 fields besides the file", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task A_17th_field_after_the_file_is_refused_and_the_file_is_not_kept()
    {
        var broker = await StartAsync();
        var image = await TestMedia.ImageAsync(_folder.Combine("f.png"));
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(File.OpenRead(image)), "file", "f.png");
        foreach (var i in Enumerable.Range(0, 17)) form.Add(new StringContent("x"), $"note{i}");

        using var response = await broker.Http.PostAsync("api/items", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 16 fields besides the file", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        AssertNothingKept(broker); // the staging folder (incoming/post-*) went with the refusal
    }

    [Fact]
    public async Task Sixteen_fields_are_taken_the_known_ones_used_and_the_others_ignored()
    {
        var broker = await StartAsync();
        var image = await TestMedia.ImageAsync(_folder.Combine("g.png"));
        var fields = new Dictionary<string, string> { ["client_id"] = "alice", ["conversion_type"] = "webp", ["file_name"] = "named.png" };
        foreach (var i in Enumerable.Range(0, 13)) fields[$"note{i}"] = "ignored";

        using var response = await broker.PostMultipartAsync(image, fields: fields);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.ReadItemAsync();
        Assert.Equal("alice", item.ClientId);
        Assert.Equal("named.png", item.OriginalFileName);
    }

    [Fact]
    public async Task A_client_that_breaks_off_mid_upload_leaves_nothing_behind()
    {
        var broker = await StartAsync();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(broker.Url.Host, broker.Url.Port);
        var stream = client.GetStream();
        var head = $"POST /api/items?file_name=cut.mkv HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nContent-Type: application/octet-stream\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(new byte[3 << 20]);
        await Eventually.TrueAsync(() => Directory.EnumerateFileSystemEntries(broker.Store.Data.Incoming).Any(), "the upload to start");
        client.Close();

        await Eventually.TrueAsync(() => !Directory.EnumerateFileSystemEntries(broker.Store.Data.Incoming).Any(), "the partial upload to be removed");
        AssertNothingKept(broker);
    }

    [Fact]
    public async Task Huge_headers_are_refused_without_touching_the_store()
    {
        var broker = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/items?file_name=x.png") { Content = new ByteArrayContent(new byte[10]) };
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 64 * 1024));
        var response = await broker.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        AssertNothingKept(broker);
    }
}
