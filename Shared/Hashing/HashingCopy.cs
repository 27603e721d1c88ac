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

    /// <param name="onChunk">Called with the running total before each chunk is written; may throw to abort.</param>
    /// <returns>The number of bytes copied.</returns>
    public static async Task<long> CopyAsync(Stream source, Stream destination, IncrementalHash hash,
        long limit = long.MaxValue, Action<long>? onChunk = null, CancellationToken cancellationToken = default)
    {
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(ChunkSize), ArrayPool<byte>.Shared.Rent(ChunkSize)];
        var pending = Task.CompletedTask;
        long total = 0;
        try
        {
            for (var current = 0; ; current ^= 1)
            {
                var read = await FillAsync(source, buffers[current], cancellationToken);
                if (read == 0) break;
                total += read;
                await pending;
                if (total > limit) throw new CopyLimitExceededException(limit);
                onChunk?.Invoke(total);
                pending = HashAndWriteAsync(buffers[current].AsMemory(0, read), destination, hash, cancellationToken);
            }
            await pending;
            return total;
        }
        finally
        {
            // A failed read must not return a buffer to the pool while the previous chunk still uses it.
            try { await pending; } catch { /* the first error is the one being thrown */ }
            foreach (var buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task HashAndWriteAsync(ReadOnlyMemory<byte> chunk, Stream destination, IncrementalHash hash, CancellationToken cancellationToken)
    {
        var hashing = Task.Run(() => hash.AppendData(chunk.Span), cancellationToken);
        try
        {
            await destination.WriteAsync(chunk, cancellationToken);
        }
        finally
        {
            await hashing;
        }
    }

    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < ChunkSize)
        {
            var read = await source.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), cancellationToken);
            if (read == 0) break;
            filled += read;
        }
        return filled;
    }
}
