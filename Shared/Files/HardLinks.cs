using System.Buffers.Binary;
using System.IO.Abstractions;
using System.Runtime.InteropServices;

namespace MediaBroker.Shared.Files;

/// <summary>
/// A second name for a file (link(2)) and which file a name is (statx(2): device and inode). .NET has an API for
/// neither; Linux only, like the rest of the broker's disk handling.
/// </summary>
public static partial class HardLinks
{
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    private const int EPERM = 1;
    private const int EMLINK = 31;
    private const int ENOTSUP = 95;
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>Makes <paramref name="newName"/> a second name of <paramref name="existing"/>; never replaces anything.</summary>
    /// <returns>0 when linked; otherwise the errno (<see cref="EEXIST"/>: the name is taken; see <see cref="CannotLinkThere"/>).</returns>
    public static int TryLink(string existing, string newName)
    {
        if (!OperatingSystem.IsLinux()) return ENOTSUP;
        return Link(existing, newName) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// A second name for <paramref name="existing"/> where the file system allows, else a copy (another disk, a file
    /// system without links, a test's file system): two items share one output without taking its room twice.
    /// </summary>
    public static void LinkOrCopy(this IFileSystem files, string existing, string created)
    {
        // Whatever kept the link from being made, a copy meets it again and reports it (a taken name, a full disk).
        if (files is FileSystem && TryLink(existing, created) == 0) return;
        files.File.Copy(existing, created);
    }

    /// <summary>
    /// The errors that say the file system will not link there (another disk, FAT or exFAT, some network shares), where a
    /// copy will do, as opposed to those a copy would meet too (no permission, a full disk).
    /// </summary>
    public static bool CannotLinkThere(int errno) => errno is EXDEV or EPERM or EMLINK or ENOTSUP;

    /// <summary>The device and inode a name leads to, without following a symbolic link; null when it cannot be read.</summary>
    public static FileIdentity? IdentityOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statx is the same on every architecture: 256 bytes, fields at fixed offsets.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]);
        var linkCount = BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return new FileIdentity(device, inode, linkCount);
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newName);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);
}

/// <summary>Which file a name is: two names with the same device and inode are one file.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, uint LinkCount)
{
    public bool IsSameFileAs(FileIdentity other) => Device == other.Device && Inode == other.Inode;
}
