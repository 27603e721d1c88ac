using System.Buffers;
using System.Security.Cryptography;

namespace MediaBroker.Shared.Hashing;

/// <summary>The copy went past the length the caller allowed.</summary>
public sealed class CopyLimitExceededException(long limit) : IOException($"more than {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Copies a stream while hashing it with SHA-512. Hashing is the slowest step of a verified transfer, so it never
/// waits for I/O: while one chunk is hashed and written (at the same time), the next one is being read.
/// Memory stays at two chunks whatever the size of the file.
/// </summary>
public static class HashingCopy
{
    public const int ChunkSize = 1 << 20;

    /// <param name="onWritten">
    /// Called with the total once a chunk is both hashed and written, so that after a failure the caller knows how far
    /// the hash and the file agree; may throw to abort (a disk-space check, say).
    /// </param>
    /// <returns>The number of bytes copied.</returns>
    public static Task<long> CopyAsync(Stream source, Stream destination, IncrementalHash hash,
        long limit = long.MaxValue, Action<long>? onWritten = null, CancellationToken cancellationToken = default) =>
        CopyAsync(source, destination, [hash], limit, onWritten, cancellationToken);

    /// <summary>The same, feeding several hashes at once (each on its own core): a whole-file hash and a chunk checksum, say.</summary>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IReadOnlyList<IncrementalHash> hashes,
        long limit = long.MaxValue, Action<long>? onWritten = null, CancellationToken cancellationToken = default)
    {
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize)];
        var pending = Task.CompletedTask;
        long total = 0, written = 0;
        try
        {
            Exception? readFailure = null;
            for (var current = 0; readFailure is null; current ^= 1)
            {
                int read;
                (read, readFailure) = await FillAsync(source, buffers[current], cancellationToken);
                if (read == 0) break;
                await pending;
                if (written > 0) onWritten?.Invoke(written);
                total += read;
                if (total > limit) throw new CopyLimitExceededException(limit);
                pending = HashAndWriteAsync(buffers[current].AsMemory(0, read), destination, hashes);
                written = total;
            }
            await pending;
            if (written > 0) onWritten?.Invoke(written);
            // The bytes that came before a broken connection are kept (a resumable upload goes on from there).
            if (readFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readFailure);
            return total;
        }
        finally
        {
            // A failed read must not return a buffer to the pool while the previous chunk still uses it.
            try { await pending; } catch { /* the first error is the one being thrown */ }
            foreach (var buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task HashAndWriteAsync(ReadOnlyMemory<byte> chunk, Stream destination, IReadOnlyList<IncrementalHash> hashes)
    {
        var hashing = hashes.Select(hash => Task.Run(() => hash.AppendData(chunk.Span), CancellationToken.None)).ToArray();
        try
        {
            // Not cancelled half-way: a chunk that was read is written whole, so file and hash agree on what arrived.
            await destination.WriteAsync(chunk, CancellationToken.None);
        }
        finally
        {
            await Task.WhenAll(hashing);
        }
    }

    /// <returns>The bytes read, and the error that stopped the reading early, if one did.</returns>
    private static async Task<(int Read, Exception? Failure)> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        try
        {
            while (filled < ChunkSize)
            {
                var read = await source.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), cancellationToken);
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
