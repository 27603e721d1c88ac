using MediaBroker.Broker.Ingest;

namespace MediaBroker.Broker.Library;

/// <summary>The folder, relative to library_path, that a client asks an output to be placed in: checked once, when the item is made.</summary>
public static class LibraryDirectory
{
    /// <summary>The folder as a clean relative path (segments joined by '/'); null for none.</summary>
    /// <exception cref="Rejection">An absolute path, a '..' or empty segment, or a control character: it could leave library_path.</exception>
    public static string? Normalize(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) return null;
        var trimmed = directory.Trim();
        if (trimmed.Any(char.IsControl)) throw Rejection.Invalid("directory must not contain control characters");
        if (trimmed.StartsWith('/') || trimmed.StartsWith('\\') || Path.IsPathRooted(trimmed) || (trimmed.Length > 1 && trimmed[1] == ':'))
            throw Rejection.Invalid($"directory must be relative to the library (like \"Films/Nature\"), not an absolute path");
        var segments = trimmed.Replace('\\', '/').TrimEnd('/').Split('/');
        foreach (var segment in segments)
        {
            if (segment.Trim().Length == 0) throw Rejection.Invalid("directory must not contain empty segments (\"a//b\")");
            if (segment.Trim() is "." or "..") throw Rejection.Invalid("directory must not contain '.' or '..' segments");
        }
        return string.Join('/', segments.Select(segment => segment.Trim()));
    }
}
