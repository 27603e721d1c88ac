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

    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            DirectorySync.Flush(folder);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public static Task WriteJsonAsync<T>(string path, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) =>
        WriteAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, typeInfo, ct), cancellationToken);

    public static Task WriteJsonAsync<T>(string path, T value, JsonSerializerOptions options, CancellationToken cancellationToken = default) =>
        WriteAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, value, options, ct), cancellationToken);

    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
