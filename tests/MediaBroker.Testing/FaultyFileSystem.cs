using System.IO.Abstractions;
using System.IO.Abstractions.TestingHelpers;
using Microsoft.Win32.SafeHandles;

namespace MediaBroker.Testing;

/// <summary>
/// An in-memory file system (System.IO.Abstractions' MockFileSystem) on a drive that can fill up: the seam for what a
/// real disk cannot be made to do on demand. <see cref="SpaceLeft"/> bytes may still be written; the write that
/// would pass it fails as a full disk does (ENOSPC), and the drive reports what is left as its free space.
/// </summary>
public sealed class FaultyFileSystem : MockFileSystem
{
    private const int NoSpaceLeftOnDevice = 28;
    private readonly FaultyStreams _streams;
    private long? _spaceLeft;

    public FaultyFileSystem() : base(new MockFileSystemOptions { CurrentDirectory = "/", CreateDefaultTempDir = false })
    {
        _streams = new FaultyStreams(this);
        AddDrive("/", new MockDriveData { DriveType = DriveType.Fixed, TotalSize = 1L << 40, AvailableFreeSpace = 1L << 40, TotalFreeSpace = 1L << 40 });
    }

    /// <summary>Bytes that can still be written, and what the drive says is free; null for a disk that never fills.</summary>
    public long? SpaceLeft
    {
        get => _spaceLeft;
        set
        {
            _spaceLeft = value;
            var drive = GetDrive("/");
            drive.AvailableFreeSpace = drive.TotalFreeSpace = value ?? 1L << 40;
        }
    }

    /// <summary>
    /// Another program fills the disk behind the broker's back: only <paramref name="bytesLeft"/> can still be written,
    /// while the free space the broker checked a moment ago is still what the drive reported then.
    /// </summary>
    public void FilledByAnotherProgram(long bytesLeft) => _spaceLeft = bytesLeft;

    /// <summary>How many writes failed for want of space.</summary>
    public int FailedWrites { get; private set; }

    public override IFileStreamFactory FileStream => _streams;

    private void Consume(int count)
    {
        if (_spaceLeft is not { } left) return;
        if (count > left)
        {
            FailedWrites++;
            throw new IOException("No space left on device", NoSpaceLeftOnDevice);
        }
        _spaceLeft = left - count;
        GetDrive("/").AvailableFreeSpace = Math.Min(GetDrive("/").AvailableFreeSpace, left - count);
    }

    private sealed class FaultyStream(FaultyFileSystem files, string path, FileMode mode, FileAccess access, FileShare share, FileOptions options)
        : MockFileStream(files, path, mode, access, share, options)
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            files.Consume(count);
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            files.Consume(buffer.Length);
            base.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            files.Consume(count);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            files.Consume(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override void WriteByte(byte value)
        {
            files.Consume(1);
            base.WriteByte(value);
        }
    }

    /// <summary>MockFileSystem's stream factory, making streams that count what they write.</summary>
    private sealed class FaultyStreams(FaultyFileSystem files) : IFileStreamFactory
    {
        public IFileSystem FileSystem => files;

        public FileSystemStream New(SafeFileHandle handle, FileAccess access) => throw new NotSupportedException();
        public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize) => throw new NotSupportedException();
        public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize, bool isAsync) => throw new NotSupportedException();
        public FileSystemStream New(string path, FileMode mode) => New(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite);
        public FileSystemStream New(string path, FileMode mode, FileAccess access) => New(path, mode, access, FileShare.Read);
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share) => New(path, mode, access, share, 4096, FileOptions.None);
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize) =>
            New(path, mode, access, share, bufferSize, FileOptions.None);
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, bool useAsync) =>
            New(path, mode, access, share, bufferSize, useAsync ? FileOptions.Asynchronous : FileOptions.None);
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
            new FaultyStream(files, path, mode, access, share, options);
        public FileSystemStream New(string path, FileStreamOptions options) =>
            New(path, options.Mode, options.Access, options.Share, options.BufferSize, options.Options);
        public FileSystemStream Wrap(FileStream fileStream) => throw new NotSupportedException();
    }
}
