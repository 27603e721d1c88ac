using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace MediaBroker.Broker.Hosting;

/// <summary>
/// Kestrel's memory pool hands out 4 KiB blocks, so an upload arrives 4 KiB per receive call: about 260,000 system
/// calls and as many pipe segments per GiB, which cost more CPU than hashing the bytes. Blocks of 64 KiB make it 16
/// times fewer. They are pinned (the socket writes into them) and kept for reuse, up to a bound shared by all the pools
/// Kestrel makes (one per I/O queue and listener), so memory stays flat whatever the number of cores.
/// </summary>
public sealed class ReceiveBufferPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ReceiveBufferPool();
}

public sealed class ReceiveBufferPool : MemoryPool<byte>
{
    public const int BlockSize = 64 << 10;
    /// <summary>16 MiB of idle blocks at most, for all pools together; a burst beyond it is freed by the garbage collector.</summary>
    private const int MaxIdle = 256;

    private static readonly ConcurrentQueue<byte[]> Idle = new();
    private static int _idleCount;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), $"blocks are {BlockSize} bytes");
        if (Idle.TryDequeue(out var block)) Interlocked.Decrement(ref _idleCount);
        else block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        return new Block(block);
    }

    private static void Return(byte[] block)
    {
        if (Interlocked.Increment(ref _idleCount) <= MaxIdle) Idle.Enqueue(block);
        else Interlocked.Decrement(ref _idleCount);
    }

    /// <summary>The idle blocks are shared with the other pools, so they stay.</summary>
    protected override void Dispose(bool disposing) { }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) Return(returned);
        }
    }
}
