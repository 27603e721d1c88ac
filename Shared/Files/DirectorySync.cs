using System.IO.Abstractions;
using System.Runtime.InteropServices;

namespace MediaBroker.Shared.Files;

/// <summary>
/// Flushes a folder's entries to disk, so that a rename inside it survives a power cut.
/// .NET has no API for this: on Linux it is open(2) + fsync(2) on the folder itself.
/// </summary>
public static partial class DirectorySync
{
    /// <summary>Only a real disk has entries to flush; on any other file system (a test's) this does nothing.</summary>
    public static void FlushFolder(this IFileSystem files, string folder)
    {
        if (files is not FileSystem) return;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var descriptor = Open(folder, 0 /* O_RDONLY */);
        if (descriptor < 0) return; // best effort: the data itself was already flushed
        try { _ = Fsync(descriptor); }
        finally { _ = Close(descriptor); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
