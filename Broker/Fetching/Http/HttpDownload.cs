using System.Buffers;
using System.Globalization;
using System.IO.Abstractions;
using System.Net;
using System.Net.Http.Headers;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Shared.Transfers;

namespace MediaBroker.Broker.Fetching.Http;

/// <summary>
/// Fetches a direct media link into a file, streaming to disk. Redirects are followed by hand (each target's scheme
/// checked here, its addresses by the client's <see cref="GuardedConnection"/>); a file already holding N bytes is
/// resumed with <c>Range: bytes=N-</c> and If-Range (<see cref="ResumeState"/>), appended to on 206 and started over on
/// 200; a connection cut mid-body is retried after a growing pause, and the retry resumes where the cut left off.
/// </summary>
public sealed class HttpDownload(LinkHttpClient http, BrokerSettings settings, IFileSystem files, TimeProvider time, ILogger<HttpDownload> log)
{
    public const int MaxRedirects = 5;
    /// <summary>Failures in a row (without a byte gained between them) before the link counts as broken.</summary>
    public const int MaxRetries = 5;
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(500);

    /// <returns>What was fetched, or null when the link answers with a web page rather than a media file.</returns>
    /// <exception cref="FetchFailed">Refused, or failed for good; the message says why in one line.</exception>
    public async Task<FetchedInput?> TryFetchAsync(Uri url, string path, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        if (LinkSchemes.Refusal(url) is { } refusal) throw new FetchFailed(refusal);
        var failures = 0;
        while (true)
        {
            var before = Length(path);
            try
            {
                return await AttemptAsync(url, path, progress, cancellationToken);
            }
            catch (Exception error) when (IsTransient(error))
            {
                // A stop that meets a broken connection is a stop: the caller keeps the partial file for later.
                cancellationToken.ThrowIfCancellationRequested();
                failures = Length(path) > before ? 1 : failures + 1;
                if (failures > MaxRetries)
                    throw new FetchFailed($"could not fetch from {url.Host} ({failures} tries): {Describe(error)}", error);
                var pause = FirstPause * Math.Pow(2, failures - 1);
                log.LogInformation("Fetching {Url} broke after {Bytes} bytes ({Error}); trying again in {Pause} s",
                    LinkSchemes.Shown(url), Length(path), Describe(error), pause.TotalSeconds);
                await Task.Delay(pause, time, cancellationToken);
            }
        }
    }

    private async Task<FetchedInput?> AttemptAsync(Uri url, string path, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        var current = url;
        for (var redirects = 0; ; )
        {
            var offset = Length(path);
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
                request.Headers.IfRange = (await ResumeState.ReadAsync(files, path, cancellationToken))?.IfRange();
            }
            using var response = await SendAsync(request, redirects == 0 ? "the link" : $"redirected to {LinkSchemes.Shown(current)}, which", cancellationToken);

            if (IsRedirect(response.StatusCode))
            {
                current = NextLocation(response, current, ++redirects, url);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
            {
                // Either everything is here already, or the file on the server is now shorter: then start over.
                if (response.Content.Headers.ContentRange?.Length == offset) return Finished(response, current, path, offset, offset, progress);
                StartOver(path);
                continue;
            }
            if (response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
                throw new IOException($"HTTP {(int)response.StatusCode} from {current.Host}");
            if (!response.IsSuccessStatusCode)
                throw new FetchFailed($"HTTP {(int)response.StatusCode} from {current.Host}");
            if (!MediaResponses.IsMedia(response, current)) return null;

            var start = 0L;
            long? total = response.Content.Headers.ContentLength;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (offset == 0)
                    throw new FetchFailed($"{current.Host} answered a request for the whole file with a part of it");
                if (range?.From != offset)
                {
                    StartOver(path); // a range we did not ask for: nothing in it can be trusted to fit
                    continue;
                }
                start = offset;
                total = range.Length;
            }
            if (total > settings.MaxDownloadBytes)
                throw new FetchFailed($"{current.Host} offers {Size(total.Value)}, larger than max_download_bytes ({Size(settings.MaxDownloadBytes)})");
            if (start == 0) await ResumeState.From(response).WriteAsync(files, path, cancellationToken);

            long written;
            try
            {
                written = await CopyBodyAsync(response, path, start, total, progress, cancellationToken);
            }
            catch (TooLarge tooLarge)
            {
                StartOver(path); // resuming it would only grow past the limit again
                throw new FetchFailed(tooLarge.Message);
            }
            if (total is { } expected && written != expected)
                throw new IOException($"the body ended after {written} of {expected} bytes");
            return Finished(response, current, path, written, total, progress);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error) when (Find<AddressRefused>(error) is { } refused)
        {
            throw new FetchFailed(refused.Explain(subject), refused);
        }
    }

    private static Uri NextLocation(HttpResponseMessage response, Uri current, int redirects, Uri url)
    {
        if (response.Headers.Location is not { } location)
            throw new FetchFailed($"HTTP {(int)response.StatusCode} from {current.Host} without a Location to go to");
        var next = location.IsAbsoluteUri ? location : new Uri(current, location);
        if (LinkSchemes.Refusal(next, "redirected to ") is { } refusal) throw new FetchFailed(refusal);
        if (redirects > MaxRedirects) throw new FetchFailed($"{url.Host} redirected more than {MaxRedirects} times");
        return next;
    }

    private async Task<long> CopyBodyAsync(HttpResponseMessage response, string path, long start, long? total, IProgress<FetchProgress> progress,
        CancellationToken cancellationToken)
    {
        var meter = new ProgressMeter(progress, time, start, total);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            await using var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken), StallLimit, time);
            await using var file = files.FileStream.New(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous,
            });
            file.SetLength(start); // drops what a 200 replaces, or a torn tail past what the 206 continues
            file.Seek(start, SeekOrigin.Begin);
            try
            {
                meter.Report(); // the size, before any byte: room for it is claimed at once (FetchRoom)
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (meter.Bytes + read > settings.MaxDownloadBytes)
                        throw new TooLarge($"{response.RequestMessage?.RequestUri?.Host} sent more than max_download_bytes ({Size(settings.MaxDownloadBytes)}); cut off");
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    meter.Add(read);
                }
            }
            finally
            {
                // What arrived stays, so that the next try (or the next start of the broker) resumes after it.
                file.Flush(flushToDisk: true);
                meter.Report();
            }
            return meter.Bytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private FetchedInput Finished(HttpResponseMessage response, Uri url, string path, long bytes, long? total, IProgress<FetchProgress> progress)
    {
        progress.Report(new FetchProgress(bytes, total ?? bytes, 0));
        if (files.File.Exists(ResumeState.PathFor(path))) ResumeState.Delete(files, path);
        return new FetchedInput(MediaResponses.FileName(response, url), null, null, null);
    }

    private void StartOver(string path)
    {
        if (files.File.Exists(path)) files.File.Delete(path);
        if (files.File.Exists(ResumeState.PathFor(path))) ResumeState.Delete(files, path);
    }

    private long Length(string path) => files.File.Exists(path) ? files.FileInfo.New(path).Length : 0;

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsTransient(Exception error) => error is IOException or HttpRequestException or System.Net.Sockets.SocketException;

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
            if (error is T found) return found;
        return null;
    }

    /// <summary>The innermost message: "Connection refused (127.0.0.1:9)" says more than "An error occurred while sending the request".</summary>
    private static string Describe(Exception error)
    {
        var innermost = error;
        while (innermost.InnerException is { } inner) innermost = inner;
        return innermost.Message.ReplaceLineEndings(" ");
    }

    private static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB")
        : bytes >= 1L << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    private sealed class TooLarge(string message) : Exception(message);
}
