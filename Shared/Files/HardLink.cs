using System.IO.Abstractions;
using System.Runtime.InteropServices;

namespace MediaBroker.Shared.Files;

/// <summary>
/// A second name for a file's bytes (link(2)): two items share one output without taking its room twice.
/// .NET has no API for it; where a link cannot be made (another file system, a test's), the file is copied.
/// </summary>
public static partial class HardLink
{
    public static void LinkOrCopy(this IFileSystem files, string existing, string created)
    {
        if (files is FileSystem && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Link(existing, created) == 0) return;
        files.File.Copy(existing, created);
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);
}
