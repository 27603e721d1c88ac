using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Fetching.YtDlp;

/// <summary>
/// Fetches the media of a page link (a video site) with yt-dlp, run like ffmpeg by <see cref="ProgramRunner"/>: an
/// argument list, stopped gracefully with the fetch. It works in a folder beside the target (<c>PATH.yt-dlp/</c>),
/// where a stopped run leaves its .part file for the next one to continue; the finished file is moved to the target.
/// Every connection yt-dlp makes goes through a <see cref="GuardedProxy"/>.
/// </summary>
public sealed class YtDlpFetcher(ProgramRunner runner, GuardedConnection guard, BrokerSettings settings, IFileSystem files)
{
    public const string FolderSuffix = ".yt-dlp";

    // A proxy named in the environment must not replace ours, nor a no_proxy entry let yt-dlp around it.
    private static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["http_proxy"] = null, ["https_proxy"] = null, ["all_proxy"] = null, ["no_proxy"] = null,
        ["HTTP_PROXY"] = null, ["HTTPS_PROXY"] = null, ["ALL_PROXY"] = null, ["NO_PROXY"] = null,
    };

    public async Task<FetchedInput> FetchAsync(Uri page, string path, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        if (LinkSchemes.Refusal(page) is { } refusal) throw new FetchFailed(refusal);
        try
        {
            await guard.ResolveAsync(page.Host, cancellationToken); // before yt-dlp starts; its proxy checks again on connecting
        }
        catch (AddressRefused refused)
        {
            throw new FetchFailed(refused.Explain("the link"), refused);
        }
        catch (System.Net.Sockets.SocketException error)
        {
            throw new FetchFailed($"{page.Host} cannot be resolved: {error.Message}", error);
        }

        var folder = path + FolderSuffix;
        files.Directory.CreateDirectory(folder);
        await using var proxy = new GuardedProxy(guard);
        var output = new List<string>();
        var run = new ProgramRun(settings.YtDlpPath, YtDlpArguments.For(page, folder, proxy.Url, settings.MaxDownloadBytes))
        {
            OnOutputLine = line =>
            {
                if (YtDlpOutput.Progress(line) is { } report) progress.Report(report);
                else lock (output) output.Add(line);
            },
            Environment = Environment,
        };

        ProgramResult result;
        try
        {
            result = await runner.RunAsync(run, cancellationToken);
        }
        catch (ProgramStartException error)
        {
            throw Failed(folder, $"this link is a web page; fetching pages needs yt-dlp, which is not installed (yt_dlp_path: {settings.YtDlpPath})", error);
        }

        if (proxy.Refusals.FirstOrDefault() is { } refusedOnTheWay)
            throw Failed(folder, refusedOnTheWay.Explain($"the page leads to {refusedOnTheWay.Host}, which"), refusedOnTheWay);
        if (!result.Succeeded)
            throw Failed(folder, $"yt-dlp could not fetch the page: {YtDlpOutput.LastError(result.ErrorTail) ?? $"it exited with code {result.ExitCode}"}");

        var details = files.File.Exists(Path.Combine(folder, YtDlpArguments.DetailsFile))
            ? YtDlpOutput.ReadDetails(await files.File.ReadAllTextAsync(Path.Combine(folder, YtDlpArguments.DetailsFile), cancellationToken))
            : null;
        if (details?.FilePath is not { } fetched || !files.File.Exists(fetched))
        {
            lock (output)
                throw Failed(folder, output.Any(line => line.Contains("larger than max-filesize", StringComparison.Ordinal))
                    ? $"the page's media is larger than max_download_bytes ({settings.MaxDownloadBytes} bytes)"
                    : "yt-dlp found no media on the page");
        }
        if (files.FileInfo.New(fetched).Length > settings.MaxDownloadBytes)
            throw Failed(folder, $"the page's media is larger than max_download_bytes ({settings.MaxDownloadBytes} bytes)");

        files.File.Move(fetched, path, overwrite: true);
        files.Directory.Delete(folder, recursive: true);
        var title = details.Title is { Length: > 0 } named ? named : null;
        var name = FileNames.Original($"{title ?? YtDlpArguments.MediaStem}.{details.Extension ?? "mp4"}");
        return new FetchedInput(name, title, details.Author, details.Year);
    }

    /// <summary>A failure for good: the work folder goes (a stop, in contrast, keeps it for the next run to continue).</summary>
    private FetchFailed Failed(string folder, string message, Exception? inner = null)
    {
        try { files.Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        return new FetchFailed(message, inner);
    }
}
