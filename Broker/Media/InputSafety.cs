namespace MediaBroker.Broker.Media;

/// <summary>The options every ffmpeg and ffprobe run gets for the file it reads: local files only, plain media only.</summary>
public static class InputSafety
{
    public static readonly IReadOnlyList<string> Options =
        ["-protocol_whitelist", "file", "-format_whitelist", AllowedInputFormats.Whitelist];

    /// <summary>An explicit file: URL, so that a path can never be mistaken for another protocol or an option.</summary>
    public static string FileUrl(string path) => "file:" + Path.GetFullPath(path);

    /// <summary>Error lines go to users; they need not learn where the broker keeps its data.</summary>
    public static string HidePaths(string line)
    {
        var start = line.IndexOf("file:/", StringComparison.Ordinal);
        if (start < 0) return line;
        var end = line.IndexOf(':', start + 6);
        return end < 0 ? line[..start] + "input" : line[..start] + "input" + line[end..];
    }
}
