using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching.Http;
using MediaBroker.Broker.Fetching.YtDlp;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// The broker's <see cref="IInputFetcher"/>. A link is first asked for over HTTP(S) by <see cref="HttpDownload"/>:
/// when the answer is a media file (a video, audio or image type, a generic binary type, or a path with a media
/// extension) it is streamed to disk as it comes, resumable. When it is a web page, nothing is kept of it and the link
/// goes to <see cref="YtDlpFetcher"/>, which finds the media in the page (video sites, or any page with a
/// &lt;video&gt;). One question to the server decides, so a direct link never needs yt-dlp, and a page link costs one
/// extra request. Both are bounded by download_timeout_minutes, retries included.
/// </summary>
public sealed class LinkFetcher(HttpDownload direct, YtDlpFetcher pages, BrokerSettings settings, TimeProvider time, IFileSystem files) : IInputFetcher
{
    public async Task<FetchedInput> FetchAsync(Uri url, string path, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(settings.DownloadTimeoutMinutes), time);
        using var fetching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            // yt-dlp's folder from a stopped run: the link is a page, and yt-dlp continues its part file.
            if (files.Directory.Exists(path + YtDlpFetcher.FolderSuffix))
                return await pages.FetchAsync(url, path, progress, fetching.Token);
            return await direct.TryFetchAsync(url, path, progress, fetching.Token)
                ?? await pages.FetchAsync(url, path, progress, fetching.Token);
        }
        catch (OperationCanceledException error) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new FetchFailed($"not fetched within {settings.DownloadTimeoutMinutes} minutes (download_timeout_minutes)", error);
        }
    }
}
