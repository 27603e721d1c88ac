using System.Buffers;
using MediaBroker.Broker.Hosting;
using MediaBroker.Testing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>Kestrel receives into 64 KiB blocks, reused across requests, so an upload needs 16 times fewer receive calls.</summary>
public sealed class ReceiveBufferPoolTests
{
    [Fact]
    public void Hands_out_64_KiB_blocks_and_takes_each_back_once()
    {
        using var pool = new ReceiveBufferPoolFactory().Create();
        Assert.Equal(ReceiveBufferPool.BlockSize, pool.MaxBufferSize);
        var block = pool.Rent();
        Assert.Equal(64 << 10, block.Memory.Length);
        block.Dispose();
        block.Dispose(); // twice is harmless: the block went back once
        Assert.Throws<ObjectDisposedException>(() => block.Memory);
        var first = pool.Rent();
        var second = pool.Rent();
        Assert.False(first.Memory.Span.Overlaps(second.Memory.Span));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(ReceiveBufferPool.BlockSize + 1));
    }

    [Fact]
    public async Task The_broker_gives_it_to_Kestrel()
    {
        using var folder = new TempFolder();
        await using var broker = await RunningBroker.StartAsync(folder.Combine("data"));
        Assert.IsType<ReceiveBufferPoolFactory>(broker.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
    }
}
