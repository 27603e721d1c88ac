using System.IO.Abstractions;

namespace MediaBroker.Broker.Storage;

/// <summary>Free bytes on the disk that holds the data folder.</summary>
public sealed class DiskSpace(DataFolder data, IFileSystem files)
{
    public long AvailableBytes() => files.DriveInfo.New(data.Root).AvailableFreeSpace;

    /// <summary>True when the error says the disk is full (ENOSPC on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows).</summary>
    public static bool IsDiskFull(IOException error) =>
        error.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
        || error.Message.Contains("No space left on device", StringComparison.Ordinal);
}
