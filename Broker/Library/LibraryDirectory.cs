using System.Text;
using MediaBroker.Broker.Ingest;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Library;

/// <summary>
/// The <c>directory</c> an item's output is placed in under library_path: a relative path that cannot leave it and
/// that every file system a library lives on (ext4, NTFS, an SMB share) can hold, checked before a byte is stored.
/// </summary>
public static class LibraryDirectory
{
    public const int MaxSegmentBytes = 255;
    public const int MaxSegments = 16;
    public const int MaxLength = 1024;

    /// <summary>The <paramref name="directory"/> an upload or a link names, for a broker whose library is <paramref name="libraryPath"/>.</summary>
    /// <returns>The path with '/' between its folders; null when none was given.</returns>
    /// <exception cref="Rejection">As <see cref="Normalize"/>; and any directory when the broker has no library to place it in.</exception>
    public static string? ForLibrary(string? directory, string? libraryPath)
    {
        var normalized = Normalize(directory);
        if (normalized is not null && libraryPath is null)
            throw Rejection.Invalid("this broker has no library to place the output in (library_path in broker.json); send no directory");
        return normalized;
    }

    /// <returns>The path with '/' between its folders; null when none was given.</returns>
    /// <exception cref="Rejection">The path is absolute, climbs out, or names a folder some file system refuses.</exception>
    public static string? Normalize(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) return null;
        if (directory.Length > MaxLength) throw Invalid(directory, $"is longer than {MaxLength} characters");
        if (directory.Any(char.IsControl)) throw Invalid(directory, "holds control characters");
        var text = directory;
        if (text.StartsWith('/') || text.StartsWith('\\') || text is [_, ':', ..])
            throw Invalid(directory, "is absolute; give a folder relative to the library, such as Movies/Holiday");
        var segments = text.Split('/', '\\');
        if (segments.Length > MaxSegments) throw Invalid(directory, $"has more than {MaxSegments} folders");
        foreach (var segment in segments)
        {
            if (SegmentProblem(segment) is { } problem) throw Invalid(directory, problem);
        }
        return string.Join('/', segments);
    }

    private static string? SegmentProblem(string segment) => segment switch
    {
        "" => "has an empty folder name (two slashes together, or one at the end)",
        "." or ".." => $"holds '{segment}'; it must stay inside the library",
        _ when segment.IndexOfAny(FileNames.ReservedCharacters) >= 0 =>
            $"holds '{segment}'; folder names cannot hold any of {new string(FileNames.ReservedCharacters)} (Windows and SMB shares refuse them)",
        _ when segment.EndsWith('.') || segment.EndsWith(' ') || segment.StartsWith(' ') =>
            $"holds '{segment}'; a folder name cannot begin with a space or end with a dot or a space (Windows drops them)",
        _ when FileNames.IsWindowsDeviceName(segment) => $"holds '{segment}', a device name on Windows",
        _ when Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes => $"holds a folder name longer than {MaxSegmentBytes} bytes",
        _ => null,
    };

    private static Rejection Invalid(string directory, string problem) =>
        Rejection.Invalid($"directory '{Shown(directory)}' {problem}");

    // The refusal quotes what was sent, without what would garble a log line or a terminal.
    private static string Shown(string directory)
    {
        var visible = new string(directory.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return visible.Length <= 120 ? visible : visible[..120] + "...";
    }
}
