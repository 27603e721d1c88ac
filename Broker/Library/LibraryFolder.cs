using System.IO.Abstractions;

namespace MediaBroker.Broker.Library;

/// <summary>
/// Paths under library_path that stay under it: every folder on the way is a real folder, never a symbolic link (one
/// planted in the library could lead anywhere), and the result is checked to lie inside the root. The root itself is
/// the administrator's choice and may be a link.
/// </summary>
public sealed class LibraryFolder(IFileSystem files, string root)
{
    public string Root { get; } = files.Path.GetFullPath(root);

    /// <summary>The folder for <paramref name="directory"/> (as <see cref="LibraryDirectory.Normalize"/> gave it), created where missing.</summary>
    /// <exception cref="IOException">A name on the way is a link or a file.</exception>
    public string Ensure(string? directory)
    {
        var current = Root;
        foreach (var segment in Segments(directory))
        {
            current = Inside(files.Path.Combine(current, segment));
            if (IsLink(current)) throw new IOException($"'{Relative(current)}' in the library is a symbolic link; the broker does not follow links out of library_path");
            if (files.Directory.Exists(current)) continue;
            if (files.File.Exists(current)) throw new IOException($"'{Relative(current)}' in the library is a file, not a folder");
            files.Directory.CreateDirectory(current);
        }
        return current;
    }

    /// <summary>An existing file's full path from its place relative to the root, or null when it is not a plain file reached through plain folders.</summary>
    public string? FindFile(string relativePath)
    {
        var current = Root;
        foreach (var segment in Segments(relativePath))
        {
            current = files.Path.Combine(current, segment);
            if (IsLink(current)) return null;
        }
        return current != Root && files.File.Exists(current) && IsInside(current) ? current : null;
    }

    public string Relative(string path) => files.Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>Whether a name is a symbolic link (dangling or not), without following it.</summary>
    public bool IsLink(string path) => files.FileInfo.New(path).LinkTarget is not null;

    public bool IsInside(string path) =>
        files.Path.GetFullPath(path).StartsWith(files.Path.TrimEndingDirectorySeparator(Root) + files.Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private string Inside(string path) => IsInside(path) ? path : throw new IOException($"'{path}' is outside library_path");

    private static string[] Segments(string? relative) => string.IsNullOrEmpty(relative) ? [] : relative.Split('/');
}
