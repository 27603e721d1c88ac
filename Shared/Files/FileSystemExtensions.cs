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
}
