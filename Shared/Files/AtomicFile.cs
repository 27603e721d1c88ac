using System.IO.Abstractions;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MediaBroker.Shared.Files;

/// <summary>
/// Replaces a file so that a crash at any moment leaves either the old content or the new one, never half of each:
/// write a temporary file beside it, flush it to disk, rename it over the target, flush the folder.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary files; whatever carries it after a crash is a half-written leftover.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <param name="mode">Permissions the file gets before it appears under its name (0600 for secrets), or the default.</param>
    public static async Task WriteAtomicallyAsync(this IFileSystem files, string path, Func<Stream, CancellationToken, Task> write,
        CancellationToken cancellationToken = default, UnixFileMode? mode = null)
    {
        var folder = files.Path.GetDirectoryName(files.Path.GetFullPath(path))!;
        var temporary = files.Path.Combine(folder, $".{files.Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous,
            };
            // Created with its permissions, so that a secret is never readable by others, not even for a moment.
            if (mode is { } permissions && !OperatingSystem.IsWindows()) options.UnixCreateMode = permissions;
            await using (var stream = files.FileStream.New(temporary, options))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            files.File.Move(temporary, path, overwrite: true);
            files.FlushFolder(folder);
        }
        catch
        {
            TryDelete(files, temporary);
            throw;
        }
    }

    public static Task WriteJsonAtomicallyAsync<T>(this IFileSystem files, string path, T value, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken = default) =>
        files.WriteAtomicallyAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, typeInfo, ct), cancellationToken);

    public static Task WriteJsonAtomicallyAsync<T>(this IFileSystem files, string path, T value, JsonSerializerOptions options,
        CancellationToken cancellationToken = default) =>
        files.WriteAtomicallyAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, options, ct), cancellationToken);

    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal);

    private static void TryDelete(IFileSystem files, string path)
    {
        try { files.File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
