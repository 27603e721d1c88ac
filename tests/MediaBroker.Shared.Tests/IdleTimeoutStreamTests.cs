using MediaBroker.Shared.Transfers;

namespace MediaBroker.Shared.Tests;

public sealed class IdleTimeoutStreamTests
{
    [Fact]
    public async Task A_source_that_goes_silent_fails_as_a_broken_connection()
    {
        using var silent = new IdleTimeoutStream(new SilentStream(), TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<StalledTransferException>(async () => await silent.ReadAsync(new byte[10]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public async Task A_source_that_keeps_sending_is_never_cut_however_long_the_transfer()
    {
        using var slow = new IdleTimeoutStream(new SlowStream(), TimeSpan.FromSeconds(1));
        var buffer = new byte[1];
        for (var i = 0; i < 30; i++) Assert.Equal(1, await slow.ReadAsync(buffer)); // ~3 s in all, 0.1 s per byte
    }

    [Fact]
    public async Task A_consumer_that_pauses_between_reads_is_not_taken_for_a_silent_source()
    {
        using var stream = new IdleTimeoutStream(new MemoryStream(new byte[10]), TimeSpan.FromMilliseconds(300));
        var buffer = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(buffer));
        await Task.Delay(1000); // the disk behind us is slow; the other side did nothing wrong
        Assert.Equal(1, await stream.ReadAsync(buffer));
    }

    private sealed class SilentStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private sealed class SlowStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(100, cancellationToken);
            buffer.Span[0] = 1;
            return 1;
        }
    }
}
