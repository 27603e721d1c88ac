using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace MediaBroker.Broker.Hosting;

/// <summary>
/// Kestrel's memory pool hands out 4 KiB blocks, so an upload arrives 4 KiB per receive call: about 260,000 system
/// calls and as many pipe segments per GiB, which cost more CPU than hashing the bytes. Blocks of 64 KiB make it 16
/// times fewer. They are pinned (the socket writes into them) and kept for reuse, up to a bound, so memory stays flat.
/// </summary>
public sealed class ReceiveBufferPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ReceiveBufferPool();
}

public sealed class ReceiveBufferPool : MemoryPool<byte>
{
    public const int BlockSize = 64 << 10;
    /// <summary>16 MiB of idle blocks at most; a burst beyond it is freed again by the garbage collector.</summary>
    private const int MaxIdle = 256;

    private readonly ConcurrentQueue<byte[]> _idle = new();
    private int _idleCount;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), $"blocks are {BlockSize} bytes");
        if (_idle.TryDequeue(out var block)) Interlocked.Decrement(ref _idleCount);
        else block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        return new Block(this, block);
    }

    private void Return(byte[] block)
    {
        if (Interlocked.Increment(ref _idleCount) <= MaxIdle) _idle.Enqueue(block);
        else Interlocked.Decrement(ref _idleCount);
    }

    protected override void Dispose(bool disposing) => _idle.Clear();

    private sealed class Block(ReceiveBufferPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) pool.Return(returned);
        }
    }
}
