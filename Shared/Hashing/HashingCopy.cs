using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace MediaBroker.Shared.Hashing;

/// <summary>The copy went past the length the caller allowed.</summary>
public sealed class CopyLimitExceededException(long limit) : IOException($"more than {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Copies a stream while hashing it with SHA-512: the core of every verified transfer. Hashing is its slowest part,
/// so reading, hashing and writing run as three stages on their own, passing a few buffers round: none of them ever
/// waits for the others while there is work, and memory stays at those few buffers whatever the size of the file.
/// Each byte is copied once, from the source into a buffer; the hash reads it there and the file is written from it
/// (straight to the disk where it can: <see cref="ChunkWriter"/>).
/// </summary>
public static class HashingCopy
{
    public const int ChunkSize = ChunkBuffers.Size;
    private const int Buffers = 4;

    /// <param name="onWritten">
    /// Called with the total each time more bytes are both hashed and written, so that after a failure the caller knows
    /// how far hash and file agree; may throw to abort (a disk-space check, say).
    /// </param>
    /// <returns>The number of bytes copied.</returns>
    public static Task<long> CopyAsync(Stream source, Stream destination, IncrementalHash hash,
        long limit = long.MaxValue, Action<long>? onWritten = null, CancellationToken cancellationToken = default) =>
        CopyAsync(source, destination, [hash], limit, onWritten, cancellationToken);

    /// <summary>The same, feeding several hashes (a whole-file hash and a chunk checksum, say).</summary>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IReadOnlyList<IncrementalHash> hashes,
        long limit = long.MaxValue, Action<long>? onWritten = null, CancellationToken cancellationToken = default)
    {
        var pipeline = new Pipeline(destination, hashes, onWritten);
        Exception? readFailure = null, readError = null;
        try
        {
            readFailure = await pipeline.ReadAllAsync(source, limit, cancellationToken);
        }
        catch (Exception error)
        {
            readError = error;
        }
        try
        {
            await pipeline.DrainAsync();
        }
        catch when (readError is not null)
        {
            // the reading error came first and is the one reported
        }
        if (readError is not null) ExceptionDispatchInfo.Throw(readError);
        // The bytes that came before a broken connection are kept (a resumable upload goes on from there).
        if (readFailure is not null) ExceptionDispatchInfo.Throw(readFailure);
        return pipeline.Total;
    }

    private sealed class Chunk(Memory<byte> buffer, int length, long end)
    {
        private int _stagesLeft = 2;
        public Memory<byte> Buffer { get; } = buffer;
        public ReadOnlyMemory<byte> Bytes => Buffer[..Length];
        public int Length { get; } = length;
        /// <summary>Total bytes up to and including this chunk.</summary>
        public long End { get; } = end;
        public bool StageDone() => Interlocked.Decrement(ref _stagesLeft) == 0;
    }

    private sealed class Pipeline
    {
        private readonly Channel<Memory<byte>> _free = Channel.CreateBounded<Memory<byte>>(Buffers);
        private readonly Channel<Chunk> _toHash = Channel.CreateBounded<Chunk>(Buffers);
        private readonly Channel<Chunk> _toWrite = Channel.CreateBounded<Chunk>(Buffers);
        private readonly Task _hashing;
        private readonly Task _writing;
        private readonly Action<long>? _onWritten;
        private readonly Lock _progressGate = new();
        private readonly List<Memory<byte>> _rented = [];
        private readonly ChunkWriter _writer;
        private long _hashed, _written, _reported;

        public Pipeline(Stream destination, IReadOnlyList<IncrementalHash> hashes, Action<long>? onWritten)
        {
            _onWritten = onWritten;
            // First: should it fail, no stage is waiting for chunks yet and no buffer has been taken.
            _writer = new ChunkWriter(destination);
            for (var i = 0; i < Buffers; i++)
            {
                var buffer = ChunkBuffers.Rent();
                _rented.Add(buffer);
                _free.Writer.TryWrite(buffer);
            }
            _hashing = Stage(_toHash, chunk =>
            {
                foreach (var hash in hashes) hash.AppendData(chunk.Bytes.Span);
                Done(chunk, ref _hashed);
                return ValueTask.CompletedTask;
            });
            // Not cancelled half-way: a chunk that was read is written whole, so file and hash agree on what arrived.
            _writing = Stage(_toWrite, async chunk =>
            {
                await _writer.WriteAsync(chunk.Bytes);
                Done(chunk, ref _written);
            });
        }

        public long Total { get; private set; }

        /// <summary>A stage that fails stops the reader too (no buffer will come back to it).</summary>
        private Task Stage(Channel<Chunk> input, Func<Chunk, ValueTask> work) => Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in input.Reader.ReadAllAsync()) await work(chunk);
            }
            catch (Exception error)
            {
                _free.Writer.TryComplete(error);
                throw;
            }
        });

        /// <returns>The error that stopped reading after some bytes of a chunk had arrived (those are passed on first).</returns>
        public async Task<Exception?> ReadAllAsync(Stream source, long limit, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    if (!await BufferAvailableAsync(cancellationToken) || !_free.Reader.TryRead(out var buffer))
                        return null; // a stage failed; the drain reports it
                    var (read, failure) = await FillAsync(source, buffer, cancellationToken);
                    if (read > 0)
                    {
                        if (Total + read > limit) throw new CopyLimitExceededException(limit);
                        Total += read;
                        var chunk = new Chunk(buffer, read, Total);
                        await _toHash.Writer.WriteAsync(chunk, CancellationToken.None);
                        await _toWrite.Writer.WriteAsync(chunk, CancellationToken.None);
                    }
                    if (failure is not null) return failure;
                    if (read < ChunkSize) return null;
                }
            }
            finally
            {
                _toHash.Writer.TryComplete();
                _toWrite.Writer.TryComplete();
            }
        }

        private async Task<bool> BufferAvailableAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await _free.Reader.WaitToReadAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return false; // closed by a failed stage
            }
        }

        /// <summary>Waits for the stages; the first error of either is thrown. Buffers go back to the pool only then.</summary>
        public async Task DrainAsync()
        {
            try
            {
                await Task.WhenAll(_hashing, _writing);
            }
            finally
            {
                try
                {
                    _writer.Dispose();
                }
                finally
                {
                    foreach (var buffer in _rented) ChunkBuffers.Return(buffer);
                }
            }
        }

        private void Done(Chunk chunk, ref long stage)
        {
            long agreed;
            lock (_progressGate)
            {
                stage = chunk.End;
                agreed = Math.Min(_hashed, _written);
                if (agreed <= _reported) agreed = -1;
                else _reported = agreed;
            }
            if (chunk.StageDone()) _free.Writer.TryWrite(chunk.Buffer);
            if (agreed > 0) _onWritten?.Invoke(agreed);
        }

        private static async Task<(int Read, Exception? Failure)> FillAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var filled = 0;
            try
            {
                while (filled < ChunkSize)
                {
                    var read = await source.ReadAsync(buffer[filled..], cancellationToken);
                    if (read == 0) break;
                    filled += read;
                }
            }
            catch (Exception error) when (filled > 0 && error is IOException or OperationCanceledException)
            {
                return (filled, error);
            }
            return (filled, null);
        }
    }
}
