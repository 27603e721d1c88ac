namespace MediaBroker.Broker.Fetching.Http;

/// <summary>Whether an HTTP answer is a media file to store as it is, or a page that needs yt-dlp to find the media in it.</summary>
public static class MediaResponses
{
    private static readonly HashSet<string> MediaExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts", ".ogv", ".3gp", ".mxf",
        ".mp3", ".m4a", ".aac", ".flac", ".wav", ".ogg", ".oga", ".opus", ".wma", ".aiff", ".aif", ".ac3", ".mka", ".wv", ".ape",
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif",
    };

    private static readonly HashSet<string> BinaryTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/octet-stream", "binary/octet-stream", "application/mp4", "application/ogg", "application/x-matroska",
    };

    /// <summary>
    /// A media Content-Type (video/*, audio/*, image/*, or a generic binary type) or, whatever the type says, a path
    /// ending in a media extension: many servers label files they do not know as text/plain.
    /// </summary>
    public static bool IsMedia(HttpResponseMessage response, Uri url)
    {
        var type = response.Content.Headers.ContentType?.MediaType ?? "";
        return type.StartsWith("video/", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || BinaryTypes.Contains(type)
            || MediaExtensions.Contains(Path.GetExtension(url.AbsolutePath));
    }

    /// <summary>The name the file is shown with: the server's Content-Disposition, else the link's last segment, else its host.</summary>
    public static string FileName(HttpResponseMessage response, Uri url)
    {
        var disposition = response.Content.Headers.ContentDisposition;
        var offered = disposition?.FileNameStar ?? disposition?.FileName?.Trim('"');
        return Shared.Files.FileNames.Original(string.IsNullOrWhiteSpace(offered) ? FileName(url) : offered);
    }

    /// <summary>The name a link suggests before it is asked: its last path segment, else its host.</summary>
    public static string FileName(Uri url)
    {
        var segment = Uri.UnescapeDataString(url.AbsolutePath.TrimEnd('/').Split('/')[^1]);
        return segment.Length > 0 ? segment : url.Host;
    }
}
