using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace MediaBroker.Testing;

/// <summary>tus requests spelled out one by one, for tests of the protocol itself (not a client to copy).</summary>
public sealed class RawTus(HttpClient http)
{
    public const string ContentType = "application/offset+octet-stream";

    public static string Metadata(params (string Key, string Value)[] pairs) =>
        string.Join(',', pairs.Select(pair => $"{pair.Key} {Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Value))}"));

    public async Task<HttpResponseMessage> CreateAsync(long length, string metadata, byte[]? firstBytes = null)
    {
        using var request = Request(HttpMethod.Post, "api/uploads/");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        if (metadata.Length > 0) request.Headers.Add("Upload-Metadata", metadata);
        if (firstBytes is not null) request.Content = Body(firstBytes);
        return await http.SendAsync(request);
    }

    public async Task<string> CreateLocationAsync(long length, string metadata)
    {
        var response = await CreateAsync(length, metadata);
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
            throw new InvalidOperationException($"creation failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    public async Task<HttpResponseMessage> PatchAsync(string location, long offset, byte[] bytes, string? checksum = null)
    {
        using var request = Request(HttpMethod.Patch, location);
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (checksum is not null) request.Headers.Add("Upload-Checksum", checksum);
        request.Content = Body(bytes);
        return await http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> HeadAsync(string location)
    {
        using var request = Request(HttpMethod.Head, location);
        return await http.SendAsync(request);
    }

    public async Task<long> OffsetAsync(string location)
    {
        using var response = await HeadAsync(location);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    public async Task<HttpResponseMessage> DeleteAsync(string location)
    {
        using var request = Request(HttpMethod.Delete, location);
        return await http.SendAsync(request);
    }

    public static HttpRequestMessage Request(HttpMethod method, string location)
    {
        var request = new HttpRequestMessage(method, location.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return request;
    }

    public static ByteArrayContent Body(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        return content;
    }

    public static string? ItemIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("MediaBroker-Item-Id", out var values) ? values.Single() : null;
}
