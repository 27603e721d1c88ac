using System.IO.Abstractions;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MediaBroker.Shared.Hashing;

/// <summary>
/// Writes the chunks of a verified copy to their file. On Linux a write through the page cache costs more CPU than
/// hashing the same bytes (the kernel copies every byte once more and later writes it back); measured here with dd,
/// 2.1 s of system time per GiB against 0.15 s. So where it can, the writer writes straight from the chunk buffers to the disk
/// (O_DIRECT: the buffers are 4 KiB aligned, see <see cref="ChunkBuffers"/>), and falls back to ordinary writes where
/// it cannot: a file system without direct I/O (tmpfs), a start or an end that is not on a 4 KiB boundary, a stream
/// that is not a file. Durability is unchanged: the callers still force the file to disk before it counts.
/// Writes to a file are synchronous (the copy's writing stage has a thread of its own); only other streams are awaited.
/// </summary>
public sealed partial class ChunkWriter : IDisposable
{
    private readonly Stream _destination;
    private readonly SafeFileHandle? _file;
    private readonly FileStream? _fileStream;
    private readonly int _flagsBefore;
    private bool _direct;
    private long _position;

    public ChunkWriter(Stream destination)
    {
        _destination = destination;
        _fileStream = FileStreamOf(destination);
        if (_fileStream is null) return;
        _fileStream.Flush(); // whatever the stream buffered goes first; from here on the writer writes at its own position
        _file = _fileStream.SafeFileHandle;
        _position = _fileStream.Position;
        if (_position % ChunkBuffers.Alignment == 0 && DirectIo.TryEnable(_file, out _flagsBefore)) _direct = true;
    }

    /// <summary>Whether the bytes now bypass the page cache (for tests and figures).</summary>
    public bool IsDirect => _direct;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk)
    {
        if (_file is null)
        {
            await _destination.WriteAsync(chunk, CancellationToken.None);
            return;
        }
        if (_direct)
        {
            var aligned = chunk.Length - chunk.Length % ChunkBuffers.Alignment;
            if (aligned > 0 && TryWriteDirect(chunk.Span[..aligned])) chunk = chunk[aligned..];
            if (chunk.IsEmpty) return;
            // What is left ends off a 4 KiB boundary: the file's last bytes, written the ordinary way.
            StopDirect();
        }
        RandomAccess.Write(_file, chunk.Span, _position);
        _position += chunk.Length;
    }

    private bool TryWriteDirect(ReadOnlySpan<byte> bytes)
    {
        try
        {
            RandomAccess.Write(_file!, bytes, _position);
            _position += bytes.Length;
            return true;
        }
        catch (IOException error) when (error.HResult is DirectIo.InvalidArgument or DirectIo.NotSupported)
        {
            // A device whose blocks are larger than 4 KiB, or a file system that took O_DIRECT but refuses it now (some
            // FUSE and network file systems). The bytes go again the ordinary way, from the same position.
            StopDirect();
            return false;
        }
    }

    private void StopDirect()
    {
        if (!_direct) return;
        _direct = false;
        DirectIo.Restore(_file!, _flagsBefore);
    }

    /// <summary>Leaves the file as it was found, its position after the bytes written.</summary>
    public void Dispose()
    {
        if (_file is null || _file.IsClosed) return;
        StopDirect();
        _fileStream!.Position = _position;
    }

    private static FileStream? FileStreamOf(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || !stream.CanSeek) return null; // a pipe or a FIFO has no position to write at
        if (stream is FileStream file) return file;
        if (stream is FileSystemStream wrapped)
        {
            try
            {
                return (FileStream)wrapped; // the real disk behind System.IO.Abstractions
            }
            catch (InvalidCastException)
            {
                return null; // a MockFileSystem stream
            }
        }
        return null;
    }

    /// <summary>Turns O_DIRECT on and off on an open file (fcntl), as .NET has no option for it.</summary>
    private static partial class DirectIo
    {
        private const int GetFlags = 3, SetFlags = 4;
        /// <summary>EINVAL and EOPNOTSUPP, as .NET reports them in an IOException's HResult.</summary>
        public const int InvalidArgument = 22, NotSupported = 95;

        /// <summary>O_DIRECT differs between architectures; where its value is not known here, direct writes are not tried.</summary>
        private static int? Flag => RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x4000,
            Architecture.Arm64 or Architecture.Arm => 0x10000,
            _ => null,
        };

        public static bool TryEnable(SafeFileHandle file, out int flagsBefore)
        {
            flagsBefore = Fcntl(file, GetFlags, 0);
            return Flag is { } flag && flagsBefore >= 0 && Fcntl(file, SetFlags, flagsBefore | flag) == 0;
        }

        /// <summary>Can only fail for a closed file, which no later write would reach either.</summary>
        public static void Restore(SafeFileHandle file, int flags) => Fcntl(file, SetFlags, flags);

        [LibraryImport("libc", EntryPoint = "fcntl")]
        private static partial int Fcntl(SafeFileHandle file, int command, int argument);
    }
}
