using System.IO.Abstractions;

namespace MediaBroker.Shared.Files;

/// <summary>Small file-system steps that several owners of folders take alike.</summary>
public static class FileSystemExtensions
{
    /// <summary>Removes a folder and all it holds; one that is gone already is fine.</summary>
    public static void DeleteFolderIfPresent(this IFileSystem files, string folder)
    {
        try { files.Directory.Delete(folder, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>
    /// Removes a file that is only in the way (a partial output, a cache entry): one that is gone or cannot be removed
    /// now is left to the next start's clean-up, not made an error of whatever is under way.
    /// </summary>
    public static void DeleteFileQuietly(this IFileSystem files, string path)
    {
        try { files.File.Delete(path); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { }
    }
}
