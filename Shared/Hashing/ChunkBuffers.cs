using System.Collections.Concurrent;

namespace MediaBroker.Shared.Hashing;

/// <summary>
/// The 1 MiB buffers every verified copy passes its bytes through. Each starts on a 4 KiB boundary of a pinned array,
/// as a write that bypasses the page cache (<see cref="ChunkWriter"/>) requires, and they are kept for the next copy
/// (up to a bound): a transfer allocates nothing per chunk, and a dozen transfers at once hold a few MiB each.
/// </summary>
public static class ChunkBuffers
{
    public const int Size = 1 << 20;
    public const int Alignment = 4096;
    /// <summary>32 MiB idle at most; more transfers at once than that allocate, and the garbage collector frees the rest.</summary>
    private const int MaxIdle = 32;

    private static readonly ConcurrentQueue<Memory<byte>> Idle = new();
    private static int _idleCount;

    public static Memory<byte> Rent()
    {
        if (Idle.TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref _idleCount);
            return buffer;
        }
        var array = GC.AllocateUninitializedArray<byte>(Size + Alignment, pinned: true);
        unsafe
        {
            fixed (byte* start = array)
            {
                var skip = (int)((Alignment - (long)start % Alignment) % Alignment);
                return array.AsMemory(skip, Size);
            }
        }
    }

    public static void Return(Memory<byte> buffer)
    {
        if (Interlocked.Increment(ref _idleCount) <= MaxIdle) Idle.Enqueue(buffer);
        else Interlocked.Decrement(ref _idleCount);
    }
}
