using System.IO.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace MediaBroker.Shared.Reliability;

/// <summary>
/// The real file system with a crash point before every change it makes: creating, writing, flushing, moving and
/// deleting files and folders. Used only when <see cref="CrashPoints.Armed"/>; a change made any other way would
/// escape it, which <c>CrashPointCoverageTests</c> guards against.
/// </summary>
public sealed class CrashingFileSystem : FileSystem
{
    public CrashingFileSystem()
    {
        File = new CrashingFile(this);
        Directory = new CrashingDirectory(this);
        FileStream = new CrashingStreams(base.FileStream);
    }

    /// <summary>The file system a program should use: this one when crash points are armed, else the plain real one.</summary>
    public static IFileSystem ForThisProcess() => CrashPoints.Armed ? new CrashingFileSystem() : new FileSystem();

    public override IFile File { get; }
    public override IDirectory Directory { get; }
    public override IFileStreamFactory FileStream { get; }

    private sealed class CrashingFile(IFileSystem files) : FileWrapper(files)
    {
        public override void Move(string sourceFileName, string destFileName)
        {
            CrashPoints.Reach("File.Move", sourceFileName, destFileName);
            base.Move(sourceFileName, destFileName);
        }

        public override void Move(string sourceFileName, string destFileName, bool overwrite)
        {
            CrashPoints.Reach("File.Move", sourceFileName, destFileName);
            base.Move(sourceFileName, destFileName, overwrite);
        }

        public override void Delete(string path)
        {
            CrashPoints.Reach("File.Delete", path);
            base.Delete(path);
        }

        public override void WriteAllText(string path, string? contents)
        {
            CrashPoints.Reach("File.WriteAllText", path);
            base.WriteAllText(path, contents);
        }

        public override void WriteAllBytes(string path, byte[] bytes)
        {
            CrashPoints.Reach("File.WriteAllBytes", path);
            base.WriteAllBytes(path, bytes);
        }

        public override Task WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default)
        {
            CrashPoints.Reach("File.WriteAllBytes", path);
            return base.WriteAllBytesAsync(path, bytes, cancellationToken);
        }
    }

    private sealed class CrashingDirectory(IFileSystem files) : DirectoryWrapper(files)
    {
        public override IDirectoryInfo CreateDirectory(string path)
        {
            CrashPoints.Reach("Directory.Create", path);
            return base.CreateDirectory(path);
        }

        public override void Delete(string path)
        {
            CrashPoints.Reach("Directory.Delete", path);
            base.Delete(path);
        }

        public override void Delete(string path, bool recursive)
        {
            CrashPoints.Reach("Directory.Delete", path);
            base.Delete(path, recursive);
        }

        public override void Move(string sourceDirName, string destDirName)
        {
            CrashPoints.Reach("Directory.Move", sourceDirName, destDirName);
            base.Move(sourceDirName, destDirName);
        }
    }

    /// <summary>Streams opened for writing get a crash point at their opening, at every write and at every flush.</summary>
    private sealed class CrashingStreams(IFileStreamFactory real) : IFileStreamFactory
    {
        public IFileSystem FileSystem => real.FileSystem;

        public FileSystemStream New(SafeFileHandle handle, FileAccess access) => Watch(real.New(handle, access), access);
        public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize) => Watch(real.New(handle, access, bufferSize), access);
        public FileSystemStream New(SafeFileHandle handle, FileAccess access, int bufferSize, bool isAsync) =>
            Watch(real.New(handle, access, bufferSize, isAsync), access);
        public FileSystemStream New(string path, FileMode mode) => Open(path, mode, FileAccess.ReadWrite, () => real.New(path, mode));
        public FileSystemStream New(string path, FileMode mode, FileAccess access) => Open(path, mode, access, () => real.New(path, mode, access));
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share) =>
            Open(path, mode, access, () => real.New(path, mode, access, share));
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize) =>
            Open(path, mode, access, () => real.New(path, mode, access, share, bufferSize));
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, bool useAsync) =>
            Open(path, mode, access, () => real.New(path, mode, access, share, bufferSize, useAsync));
        public FileSystemStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
            Open(path, mode, access, () => real.New(path, mode, access, share, bufferSize, options));
        public FileSystemStream New(string path, FileStreamOptions options) => Open(path, options.Mode, options.Access, () => real.New(path, options));
        public FileSystemStream Wrap(FileStream fileStream) => real.Wrap(fileStream);

        private static FileSystemStream Open(string path, FileMode mode, FileAccess access, Func<FileSystemStream> open)
        {
            if ((access & FileAccess.Write) == 0) return open();
            CrashPoints.Reach($"FileStream.Open({mode})", path);
            return new CrashingStream(open());
        }

        private static FileSystemStream Watch(FileSystemStream stream, FileAccess access) =>
            (access & FileAccess.Write) == 0 ? stream : new CrashingStream(stream);
    }

    /// <summary>
    /// One point for the writing (after the first write: a file half written), however many writes it takes, so that
    /// a gigabyte in 1 MiB writes is not a thousand points of the same kind.
    /// </summary>
    private sealed class CrashingStream(FileSystemStream inner) : FileSystemStream(inner, inner.Name, inner.IsAsync)
    {
        private int _written;

        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Written();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            base.Write(buffer);
            Written();
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await base.WriteAsync(buffer, offset, count, cancellationToken);
            Written();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await base.WriteAsync(buffer, cancellationToken);
            Written();
        }

        private void Written()
        {
            if (Interlocked.Exchange(ref _written, 1) == 0) CrashPoints.Reach("FileStream.Written", Name);
        }

        public override void SetLength(long value)
        {
            CrashPoints.Reach("FileStream.SetLength", Name);
            base.SetLength(value);
        }

        public override void Flush(bool flushToDisk)
        {
            CrashPoints.Reach("FileStream.Flush", Name);
            inner.Flush(flushToDisk);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
