using System.Net.Http.Headers;
using System.Text;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Security;

/// <summary>What a hostile request got: its status, and its body when the broker wrote one.</summary>
public sealed record HostileAnswer(int Status, string? ContentType, string Body);

/// <summary>The broker and the callers a hostile request is sent with, and what they own.</summary>
public sealed class HostileTarget
{
    public required RunningBroker Broker { get; init; }
    public required HttpClient Anonymous { get; init; }
    public required HttpClient Alice { get; init; }
    public required HttpClient Bob { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Revoked { get; init; }
    public required string AliceToken { get; init; }
    /// <summary>Alice's converted item, and an unfinished upload of hers.</summary>
    public required Guid AliceItem { get; init; }
    public required string AliceUpload { get; init; }
    public required byte[] Picture { get; init; }
    /// <summary>A JPEG whose header claims 60,000 x 60,000 pixels.</summary>
    public required byte[] Bomb { get; init; }

    /// <summary>The broker's max_unfinished_uploads_per_client; max_unfinished_upload_bytes_per_client is 80 MiB, max_upload_bytes 50 MiB.</summary>
    public const int UnfinishedUploadsPerClient = 5;
}

/// <summary>
/// The hostile requests of docs/security.md, each by its id. <see cref="HostileRequestTableTests"/> sends every one and
/// holds the broker to the answer the table gives it.
/// </summary>
public static class HostileRequests
{
    public delegate Task<HostileAnswer> Send(HostileTarget target);

    private const string NoItem = "6d1f0d3e-2a83-4bb5-9a4e-0a5b8c8b3f11";
    private const string Boundary = "hostile-boundary";
    private static readonly byte[] Text = "just some words, not a film\n"u8.ToArray();

    public static readonly IReadOnlyDictionary<string, Send> All = new Dictionary<string, Send>
    {
        // Tokens.
        ["H01"] = t => Http(t.Anonymous, HttpMethod.Get, "api/items"),
        ["H02"] = t => Http(Bearer(t, "mbt_" + new string('x', 43)), HttpMethod.Get, "api/items"),
        ["H03"] = t => Http(t.Revoked, HttpMethod.Get, "api/items"),
        ["H04"] = t => Http(t.Anonymous, HttpMethod.Get, "api/items", headers: [("Authorization", "Basic YWxpY2U6c2VjcmV0")]),
        ["H05"] = t => Http(t.Anonymous, HttpMethod.Get, "api/items", headers: [("Authorization", "Bearer " + new string('A', 4000))]),
        ["H06"] = t => Http(t.Anonymous, HttpMethod.Get, "api/items", headers: [("Authorization", "Bearer " + t.AliceToken + "x")]),
        ["H07"] = t => Http(t.Alice, HttpMethod.Get, "api/tokens"),
        ["H08"] = t => Http(t.Alice, HttpMethod.Post, "api/tokens", Json("""{ "name": "mine", "role": "admin" }""")),
        ["H09"] = t => Http(t.Anonymous, HttpMethod.Post, "api/items?file_name=a.png", new ByteArrayContent(t.Picture)),
        // Another client's ids.
        ["H10"] = t => Http(t.Bob, HttpMethod.Get, $"api/items/{t.AliceItem}"),
        ["H11"] = t => Http(t.Bob, HttpMethod.Get, $"api/items/{t.AliceItem}/output"),
        ["H12"] = t => Http(t.Bob, HttpMethod.Get, $"api/items/{t.AliceItem}/thumbnail"),
        ["H13"] = t => Http(t.Bob, HttpMethod.Delete, $"api/items/{t.AliceItem}"),
        ["H14"] = t => Http(t.Bob, HttpMethod.Post, $"api/items/{t.AliceItem}/retry"),
        ["H15"] = t => Http(t.Bob, HttpMethod.Post, $"api/items/{t.AliceItem}/link"),
        ["H16"] = t => Tus(t.Bob, HttpMethod.Head, t.AliceUpload),
        ["H17"] = t => Tus(t.Bob, HttpMethod.Patch, t.AliceUpload, Offset(new ByteArrayContent(new byte[10])), ("Upload-Offset", "0")),
        ["H18"] = t => Tus(t.Bob, HttpMethod.Delete, t.AliceUpload),
        // Traversal and control characters in names and ids.
        ["H20"] = t => Http(t.Admin, HttpMethod.Get, "api/items/..%2F..%2Findex.json"),
        ["H21"] = t => Http(t.Admin, HttpMethod.Get, "api/items/not-an-item"),
        ["H22"] = t => Tus(t.Admin, HttpMethod.Delete, "api/uploads/..%2F..%2Findex.json"),
        ["H23"] = t => Http(t.Alice, HttpMethod.Post, "api/items?file_name=..%2F..%2F..%2F..%2Ftmp%2Fevil.mkv", Raw(Text)),
        ["H24"] = t => Http(t.Alice, HttpMethod.Post, "api/items?file_name=a%00b%0A%E2%80%AEvkm.mp4", Raw(Text)),
        ["H25"] = t => Http(t.Admin, HttpMethod.Post, "api/items?file_name=a.png&client_id=..%2F..%2Fx", new ByteArrayContent(t.Picture)),
        ["H26"] = t => Http(t.Admin, HttpMethod.Post, "api/items?file_name=a.png&client_id=x%0D%0ASet-Cookie:%20a", new ByteArrayContent(t.Picture)),
        ["H27"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(PartHead("file", "../../evil.mkv") + "just words\r\n" + $"--{Boundary}--\r\n")),
        ["H28"] = t => Http(t.Anonymous, HttpMethod.Get, $"links/{t.AliceItem}/..%2F..%2Findex.json?expires=9999999999&signature=AAAA"),
        ["H29"] = t => Tus(t.Admin, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "10"),
            ("Upload-Metadata", $"filename {Convert.ToBase64String("../../../etc/cron.d/x"u8)},client_id {Convert.ToBase64String("../.."u8)}")),
        // Oversize and lying lengths.
        ["H30"] = t => RawRequest(t, $"POST /api/items?file_name=big.mkv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t.AliceToken}\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: 1000000000000\r\n\r\n", Text),
        ["H31"] = t => Tus(t.Alice, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "1000000000000")),
        ["H32"] = async t =>
        {
            var location = await CreateUploadAsync(t.Alice, 10);
            return await Tus(t.Alice, HttpMethod.Patch, location, Offset(new ByteArrayContent(new byte[100])), ("Upload-Offset", "0"));
        },
        ["H33"] = t => Tus(t.Alice, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "-5")),
        ["H34"] = t => Http(t.Alice, HttpMethod.Post, $"api/items?file_name=a.png&sha512_checksum={Sha512Hex.Of("something else"u8)}",
            new ByteArrayContent(t.Picture)),
        ["H35"] = t => RawRequest(t, $"POST /api/items?file_name=a.png HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t.AliceToken}\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n"u8.ToArray()),
        ["H36"] = t => Tus(t.Alice, HttpMethod.Post, "api/uploads/", Offset(new ByteArrayContent(new byte[2000])), ("Upload-Length", "1000")),
        ["H37"] = async t =>
        {
            for (var i = 0; i < HostileTarget.UnfinishedUploadsPerClient; i++) await CreateUploadAsync(t.Bob, 1000);
            return await Tus(t.Bob, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "1000"));
        },
        ["H38"] = async t =>
        {
            await CreateUploadAsync(t.Admin, 50L << 20);
            return await Tus(t.Admin, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", (50L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        },
        // Malformed multipart bodies.
        ["H40"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(PartHead("file", "a.png") + new string('x', 100_000))),
        ["H41"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(PartHead("file", "a.png") + "bytes\r\n")),
        ["H42"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart("")),
        ["H43"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(
            PartHead("file", "a.png", [.. Enumerable.Range(0, 16).Select(i => $"X-Extra-{i}: {i}")]) + $"x\r\n--{Boundary}--\r\n")),
        ["H44"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(PartHead("file", "a.png", "X-Padding: " + new string('a', 1 << 20)) + $"x\r\n--{Boundary}--\r\n")),
        ["H45"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Multipart(
            string.Concat(Enumerable.Range(0, 17).Select(i => PartHead($"field{i}") + "v\r\n")) + $"--{Boundary}--\r\n")),
        ["H46"] = t => Http(t.Alice, HttpMethod.Post, "api/items", Body("x", "multipart/form-data")),
        // Malformed tus headers.
        ["H50"] = t => Http(t.Alice, HttpMethod.Post, "api/uploads/", headers: [("Upload-Length", "10")]),
        ["H51"] = t => Http(t.Alice, HttpMethod.Post, "api/uploads/", headers: [("Tus-Resumable", "0.2.2"), ("Upload-Length", "10")]),
        ["H52"] = t => Tus(t.Alice, HttpMethod.Patch, t.AliceUpload, Offset(new ByteArrayContent(new byte[10])), ("Upload-Offset", "ten")),
        ["H53"] = t => Tus(t.Alice, HttpMethod.Patch, t.AliceUpload, Offset(new ByteArrayContent(new byte[10])), ("Upload-Offset", "0"),
            ("Upload-Checksum", "md5 AAAA")),
        ["H54"] = t => Tus(t.Alice, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "10"), ("Upload-Metadata", "filename ***not-base64***")),
        ["H55"] = t => Tus(t.Alice, HttpMethod.Patch, t.AliceUpload, Json("{}"), ("Upload-Offset", "0")),
        ["H56"] = t => Tus(t.Alice, HttpMethod.Patch, t.AliceUpload, Offset(new ByteArrayContent(new byte[10])), ("Upload-Offset", "5")),
        ["H57"] = t => Tus(t.Alice, HttpMethod.Post, "api/uploads/", null, ("Upload-Length", "10"), ("Upload-Metadata", "a YQ==,a YQ==")),
        // Non-media and lying files, playlists pointing at local files.
        ["H60"] = t => Upload(t, "holiday.mp4", Text),
        ["H61"] = t => Upload(t, "photo.png", [.. "\x89PNG\r\n\x1a\n"u8.ToArray().Select(b => b), .. new byte[5000]]),
        ["H62"] = t => Upload(t, "photo.jpg", """<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>"""u8.ToArray()),
        ["H63"] = t => Upload(t, "film.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"u8.ToArray()),
        ["H64"] = t => Upload(t, "film.mkv", "ffconcat version 1.0\nfile '/etc/passwd'\n"u8.ToArray()),
        ["H65"] = t => Upload(t, "empty.mp4", []),
        ["H66"] = t => Upload(t, "bomb.jpg", t.Bomb),
        ["H67"] = t => Upload(t, "film.mp4", [0x50, 0x4B, 0x03, 0x04, .. new byte[2000]]),
        // HTTP itself.
        ["H70"] = t => Http(t.Alice, HttpMethod.Get, $"api/items/{t.AliceItem}/output", headers: [("Range", "pages=1-2")]),
        ["H71"] = t => Http(t.Alice, HttpMethod.Get, $"api/items/{t.AliceItem}/output", headers: [("Range", "bytes=0-9"), ("If-Range", "garbage")]),
        ["H72"] = t => Http(t.Alice, HttpMethod.Get, $"api/items/{t.AliceItem}/output", headers: [("Range", "bytes=0-9"), ("If-Range", "Fri, 01 Jan 2100 00:00:00 GMT")]),
        ["H73"] = t => Http(t.Alice, HttpMethod.Get, $"api/items/{t.AliceItem}/output", headers: [("Range", "bytes=999999999-")]),
        ["H74"] = t => Http(t.Alice, HttpMethod.Get, "api/items?limit=1&x=" + new string('a', 10 * 1024)),
        ["H75"] = t => Http(t.Alice, HttpMethod.Get, "api/items", headers: [("X-Padding", new string('a', 40 * 1024))]),
        ["H76"] = t => Http(t.Alice, HttpMethod.Get, "api/nothing-here"),
        ["H77"] = t => Http(t.Alice, HttpMethod.Delete, "api/server"),
        ["H78"] = t => RawRequest(t, $"GET /api/items HTTP/1.1\r\nHost: x\r\nthis line is no header\r\n\r\n", []),
        ["H79"] = t => Http(t.Alice, HttpMethod.Get, $"api/items?status=everything&limit=-1"),
    };

    private static HttpClient Bearer(HostileTarget target, string token) => target.Broker.ClientWith(token);

    private static async Task<HostileAnswer> Http(HttpClient http, HttpMethod method, string path, HttpContent? content = null,
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request);
        return new HostileAnswer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static Task<HostileAnswer> Tus(HttpClient http, HttpMethod method, string path, HttpContent? content = null, params (string, string)[] headers) =>
        Http(http, method, path, content, [("Tus-Resumable", "1.0.0"), .. headers]);

    private static Task<HostileAnswer> Upload(HostileTarget target, string fileName, byte[] body) =>
        Http(target.Alice, HttpMethod.Post, $"api/items?file_name={Uri.EscapeDataString(fileName)}", Raw(body));

    private static async Task<HostileAnswer> RawRequest(HostileTarget target, string head, byte[] body)
    {
        var answer = await RawHttp.SendAsync(target.Broker.Url, head, body);
        return new HostileAnswer(answer.Status, answer.Header("content-type")?.Split(';')[0], answer.Body);
    }

    private static async Task<string> CreateUploadAsync(HttpClient http, long length) =>
        await new RawTus(http).CreateLocationAsync(length, RawTus.Metadata(("filename", "x.mkv")));

    private static ByteArrayContent Raw(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static ByteArrayContent Offset(ByteArrayContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue(RawTus.ContentType);
        return content;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static ByteArrayContent Body(string text, string contentType)
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(text));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static ByteArrayContent Multipart(string body) => Body(body, $"multipart/form-data; boundary={Boundary}");

    private static string PartHead(string name, string? fileName = null, params string[] extraHeaders) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{(fileName is null ? "" : $"; filename=\"{fileName}\"")}\r\n"
        + string.Concat(extraHeaders.Select(header => header + "\r\n")) + "\r\n";
}
