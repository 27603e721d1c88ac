using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MediaBroker.Shared.Api;

namespace MediaBroker.Client.Transfers;

/// <summary>The upload's resource is gone from the broker (expired, or the broker lost it): start a new one.</summary>
public sealed class UploadGoneException(string location) : Exception($"the broker no longer knows the upload {location}");

/// <summary>What the broker made of a finished upload.</summary>
public sealed record UploadResult(string Location, Guid ItemId);

/// <summary>
/// A tus 1.0 client for one broker: creates an upload, or resumes one from the offset the broker reports (HEAD),
/// and sends the file in chunks. A broken connection loses at most the chunk in flight.
/// </summary>
public sealed class TusUploader(HttpClient http, int chunkSize, TimeProvider time)
{
    private const string TusVersion = "1.0.0";
    private const string ItemIdHeader = "MediaBroker-Item-Id";
    /// <summary>How long the broker may take no byte of a PATCH, and answer a short request (creation, HEAD).</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);
    /// <summary>How long the last PATCH may wait for its answer: the broker checks the whole file then (sha512, ffprobe).</summary>
    public static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(10);

    /// <param name="location">An upload to resume (from a previous run), or null to create one.</param>
    /// <param name="onCreated">Told the new upload's location at once, so it can be saved before any byte is sent.</param>
    /// <param name="onProgress">Told the offset the broker confirmed after each chunk.</param>
    public async Task<UploadResult> UploadAsync(string path, string? location, IReadOnlyDictionary<string, string> metadata,
        Func<string, Task>? onCreated, Action<long>? onProgress, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        var length = file.Length;
        long offset;
        if (location is null)
        {
            location = await CreateAsync(length, metadata, cancellationToken);
            if (onCreated is not null) await onCreated(location);
            offset = 0;
        }
        else
        {
            offset = await OffsetAsync(location, cancellationToken);
        }
        onProgress?.Invoke(offset);

        HttpResponseMessage? last = null;
        try
        {
            do
            {
                var size = Math.Min(chunkSize, length - offset);
                last?.Dispose();
                last = await PatchAsync(location, file, offset, size, last: offset + size == length, cancellationToken);
                offset = long.Parse(last.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                onProgress?.Invoke(offset);
            }
            while (offset < length);
            if (!last.Headers.TryGetValues(ItemIdHeader, out var itemIds))
                throw new BrokerUnavailableException(http.BaseAddress!, "the broker took every byte but named no item");
            return new UploadResult(location, Guid.Parse(itemIds.Single()));
        }
        finally
        {
            last?.Dispose();
        }
    }

    /// <summary>
    /// An unfinished upload of this content that this client started on the broker, if any: after a crash between
    /// creating an upload and recording its address, it is resumed instead of left behind.
    /// </summary>
    public async Task<string?> FindUnfinishedAsync(string sha512, string clientId, string conversionType, CancellationToken cancellationToken)
    {
        using var response = await new BrokerApiClient(http).SendRawAsync(
            () => new HttpRequestMessage(HttpMethod.Get, $"api/uploads/?sha512={sha512}&client_id={Uri.EscapeDataString(clientId)}"),
            HttpCompletionOption.ResponseContentRead, cancellationToken);
        using var document = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return document.RootElement.EnumerateArray()
            .Where(upload => !upload.TryGetProperty("conversion_type", out var type) || type.GetString() is null || type.GetString() == conversionType)
            .Select(upload => upload.GetProperty("location").GetString())
            .FirstOrDefault();
    }

    public async Task<long> OffsetAsync(string location, CancellationToken cancellationToken)
    {
        using var response = await ShortAsync(token => SendAsync(() => Request(HttpMethod.Head, location), location, token), cancellationToken);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    private async Task<string> CreateAsync(long length, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        using var response = await ShortAsync(token => SendAsync(() =>
        {
            var request = Request(HttpMethod.Post, "api/uploads/");
            request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("Upload-Metadata", string.Join(',', metadata.Select(pair => $"{pair.Key} {Convert.ToBase64String(Encoding.UTF8.GetBytes(pair.Value))}")));
            return request;
        }, null, token), cancellationToken);
        return response.Headers.Location?.OriginalString ?? throw new BrokerUnavailableException(http.BaseAddress!, "the broker created an upload without a Location");
    }

    private async Task<HttpResponseMessage> PatchAsync(string location, FileStream file, long offset, long size, bool last,
        CancellationToken cancellationToken)
    {
        using var watch = new TransferWatch(time, StallTimeout, last ? CompletionTimeout : StallTimeout, cancellationToken);
        long sent = 0;
        return await WatchedAsync(watch, () => SendAsync(() =>
        {
            var request = Request(HttpMethod.Patch, location);
            request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            sent = 0;
            request.Content = new StreamContent(new FileSlice(file, offset, size, read =>
            {
                watch.Progress();
                if ((sent += read) >= size) watch.BodySent();
            }), 1 << 20);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            request.Content.Headers.ContentLength = size;
            return request;
        }, location, watch.Token), cancellationToken);
    }

    /// <summary>A short request (creation, HEAD, lookup): its answer comes within <see cref="StallTimeout"/> or never.</summary>
    private async Task<HttpResponseMessage> ShortAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        using var watch = new TransferWatch(time, StallTimeout, StallTimeout, cancellationToken);
        watch.BodySent();
        return await WatchedAsync(watch, () => send(watch.Token), cancellationToken);
    }

    private async Task<HttpResponseMessage> WatchedAsync(TransferWatch watch, Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send();
        }
        catch (Exception error) when (watch.Expired && !cancellationToken.IsCancellationRequested && error is OperationCanceledException or HttpRequestException)
        {
            throw new BrokerUnavailableException(http.BaseAddress!, watch.Reason);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, string? location, CancellationToken cancellationToken)
    {
        try
        {
            return await new BrokerApiClient(http).SendRawAsync(build, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (BrokerRejectedException error) when (location is not null && error.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            throw new UploadGoneException(location);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string location)
    {
        var request = new HttpRequestMessage(method, location.TrimStart('/'));
        request.Headers.Add("Tus-Resumable", TusVersion);
        return request;
    }
}
