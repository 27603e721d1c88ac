using System.Globalization;

namespace MediaBroker.Broker.Fetching.YtDlp;

/// <summary>yt-dlp's command line for fetching one page's media into a folder of its own.</summary>
public static class YtDlpArguments
{
    public const string ProgressPrefix = "mb-progress ";
    public const string MediaStem = "media";
    public const string DetailsFile = "details.json";

    public static IReadOnlyList<string> For(Uri page, string folder, Uri proxy, long maxBytes) =>
    [
        // Nobody's configuration file changes what the broker runs, and nothing is cached between runs.
        "--ignore-config", "--no-cache-dir",
        // Every connection through the guarded proxy; yt-dlp's own downloaders only (an external one such as ffmpeg
        // or aria2c would connect on its own, past the proxy).
        "--proxy", proxy.ToString(), "--downloader", "native",
        "--no-playlist", "--max-filesize", maxBytes.ToString(CultureInfo.InvariantCulture), "--socket-timeout", "60",
        "--no-mtime", "--restrict-filenames",
        "--newline", "--progress-template",
        $"download:{ProgressPrefix}%(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.speed)s",
        "--print-to-file", "after_move:%(.{title,uploader,channel,creator,upload_date,release_year,webpage_url,ext,filepath})j",
        Template(Path.Combine(folder, DetailsFile)),
        "--output", Template(Path.Combine(folder, $"{MediaStem}.")) + "%(ext)s",
        "--", page.AbsoluteUri,
    ];

    /// <summary>A literal path inside an output template: its % signs doubled, so a folder name cannot be read as a field.</summary>
    private static string Template(string path) => path.Replace("%", "%%", StringComparison.Ordinal);
}
