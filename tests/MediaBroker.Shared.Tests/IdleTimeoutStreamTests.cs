using System.Threading.Channels;
using MediaBroker.Shared.Transfers;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Shared.Tests;

/// <summary>The idle timeout of uploads, on a clock that moves only when the test moves it.</summary>
public sealed class IdleTimeoutStreamTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_source_that_goes_silent_fails_as_a_broken_connection()
    {
        var clock = new FakeTimeProvider();
        using var silent = new IdleTimeoutStream(new SilentStream(), Idle, clock);
        var read = silent.ReadAsync(new byte[10]).AsTask();

        clock.Advance(Idle + TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<StalledTransferException>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public async Task A_read_that_waits_longer_than_the_idle_time_fails_and_one_just_under_it_does_not()
    {
        var clock = new FakeTimeProvider();
        var source = new GatedStream();
        using var stream = new IdleTimeoutStream(source, Idle, clock);
        var buffer = new byte[1];

        var patient = stream.ReadAsync(buffer).AsTask();
        clock.Advance(Idle - TimeSpan.FromMilliseconds(100));
        source.Send();
        Assert.Equal(1, await patient.WaitAsync(TimeSpan.FromSeconds(30)));

        var stalled = stream.ReadAsync(buffer).AsTask();
        clock.Advance(Idle + TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAsync<StalledTransferException>(() => stalled.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_source_that_keeps_sending_is_never_cut_however_long_the_transfer()
    {
        var clock = new FakeTimeProvider();
        var source = new GatedStream();
        using var stream = new IdleTimeoutStream(source, Idle, clock);
        var buffer = new byte[1];
        for (var i = 0; i < 30; i++) // 3 s in all, far over the idle time, but never more than 0.1 s without a byte
        {
            var read = stream.ReadAsync(buffer).AsTask();
            clock.Advance(TimeSpan.FromMilliseconds(100));
            source.Send();
            Assert.Equal(1, await read.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task A_consumer_that_pauses_between_reads_is_not_taken_for_a_silent_source()
    {
        var clock = new FakeTimeProvider();
        using var stream = new IdleTimeoutStream(new MemoryStream(new byte[10]), Idle, clock);
        var buffer = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(buffer));
        clock.Advance(TimeSpan.FromSeconds(10)); // the disk behind us is slow; the other side did nothing wrong
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

    /// <summary>A source that hands out one byte each time the test calls <see cref="Send"/>.</summary>
    private sealed class GatedStream : MemoryStream
    {
        private readonly Channel<byte> _bytes = Channel.CreateUnbounded<byte>();

        public void Send() => _bytes.Writer.TryWrite(1);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var value = await _bytes.Reader.ReadAsync(cancellationToken);
            buffer.Span[0] = value;
            return 1;
        }
    }
}
