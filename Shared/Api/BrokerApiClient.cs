using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Shared.Api;

/// <summary>
/// The broker's HTTP API for .NET callers (the broker's own command line and the client). Turns transport failures
/// into <see cref="BrokerUnavailableException"/> and problem+json answers into <see cref="BrokerRejectedException"/>.
/// </summary>
public sealed class BrokerApiClient(HttpClient http)
{
    public Uri BaseAddress => http.BaseAddress ?? throw new InvalidOperationException("the HttpClient needs a BaseAddress");

    public Task<ServerInfo> GetServerAsync(CancellationToken cancellationToken = default) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/server"), WireJsonContext.Default.ServerInfo, cancellationToken);

    public Task<Item> GetItemAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/items/{itemId:D}"), WireJsonContext.Default.Item, cancellationToken);

    /// <param name="query">Query parameters of <c>GET /api/items</c> (client_id, status, ids, sha512, conversion_type, after, limit).</param>
    public Task<ItemPage> ListAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken = default)
    {
        var parameters = string.Join('&', query.Where(pair => pair.Value is not null)
            .Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value!)}"));
        return SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/items?{parameters}"), WireJsonContext.Default.ItemPage, cancellationToken);
    }

    /// <summary>A signed URL that fetches the item's output without a token; <paramref name="expiresInSeconds"/> null: the broker's default (a day).</summary>
    public Task<SignedLink> CreateLinkAsync(Guid itemId, int? expiresInSeconds = null, CancellationToken cancellationToken = default) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
                $"api/items/{itemId:D}/link{(expiresInSeconds is { } seconds ? $"?expires_in={seconds.ToString(CultureInfo.InvariantCulture)}" : "")}"),
            WireJsonContext.Default.SignedLink, cancellationToken);

    public Task<Item> RetryAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"api/items/{itemId:D}/retry"), WireJsonContext.Default.Item, cancellationToken);

    /// <summary>
    /// Tells the broker this item's output is placed and verified, so that it may free its copy after keep_finished_hours
    /// (<c>POST /api/items/{id}/fetched</c>). Saying it twice does no harm.
    /// </summary>
    public Task<Item> MarkFetchedAsync(Guid itemId, CancellationToken cancellationToken = default) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"api/items/{itemId:D}/fetched"), WireJsonContext.Default.Item, cancellationToken);

    public async Task DeleteAsync(Guid itemId, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(() => new HttpRequestMessage(HttpMethod.Delete, $"api/items/{itemId:D}"), HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>One-shot upload of a whole file as a raw body; the broker verifies <paramref name="sha512"/>.</summary>
    /// <returns>The item, and whether the broker created it (false: it already had this content).</returns>
    public async Task<(Item Item, bool Created)> UploadAsync(Stream content, string fileName, string? conversionType, string sha512,
        string? clientId = null, CancellationToken cancellationToken = default)
    {
        var query = new Dictionary<string, string?>
        {
            ["file_name"] = fileName, ["conversion_type"] = conversionType, ["sha512_checksum"] = sha512, ["client_id"] = clientId,
        };
        var parameters = string.Join('&', query.Where(pair => pair.Value is not null)
            .Select(pair => $"{pair.Key}={Uri.EscapeDataString(pair.Value!)}"));
        using var response = await SendRawAsync(() =>
        {
            var body = new StreamContent(content, 1 << 20);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            if (content.CanSeek) body.Headers.ContentLength = content.Length - content.Position;
            return new HttpRequestMessage(HttpMethod.Post, $"api/items?{parameters}") { Content = body };
        }, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var item = await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Item, cancellationToken)
            ?? throw new BrokerUnavailableException(BaseAddress, "empty answer");
        return (item, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary>Hands the broker a link to fetch and convert (<c>POST /api/items</c> with a JSON body).</summary>
    /// <returns>The item, and whether the broker created it (false: it had this link for this conversion type already).</returns>
    public async Task<(Item Item, bool Created)> AddLinkAsync(LinkRequest link, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/items")
        {
            Content = JsonContent.Create(link, WireJsonContext.Default.LinkRequest),
        }, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var item = await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Item, cancellationToken)
            ?? throw new BrokerUnavailableException(BaseAddress, "empty answer");
        return (item, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary>Sends a request built by <paramref name="build"/>; an error status becomes <see cref="BrokerRejectedException"/>.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(Func<HttpRequestMessage> build, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(build(), completion, cancellationToken);
        }
        catch (HttpRequestException error)
        {
            throw new BrokerUnavailableException(BaseAddress, error.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused" : error.Message, error);
        }
        catch (TaskCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BrokerUnavailableException(BaseAddress, "timed out", error);
        }
        catch (System.Net.Sockets.SocketException error)
        {
            // HttpClient lets a few of these through unwrapped, e.g. a connection reset between connect and the
            // first byte ("Transport endpoint is not connected"): the broker went away, same as a refused connection.
            throw new BrokerUnavailableException(BaseAddress, error.Message, error);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await RejectionOf(response, cancellationToken);
    }

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> build, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(build, HttpCompletionOption.ResponseContentRead, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken)
                ?? throw new BrokerUnavailableException(BaseAddress, "empty answer");
        }
        catch (JsonException error)
        {
            throw new BrokerUnavailableException(BaseAddress, "the answer is not a broker's", error);
        }
    }

    private static async Task<BrokerRejectedException> RejectionOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        var detail = "";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (problem.ValueKind == JsonValueKind.Object)
            {
                if (problem.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString()!;
                if (problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString()!;
            }
        }
        catch (Exception error) when (error is JsonException or NotSupportedException or HttpRequestException) { }
        return new BrokerRejectedException(response.StatusCode, title,
            detail.Length > 0 ? detail : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
    }
}
