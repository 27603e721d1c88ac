namespace MediaBroker.Shared.Transfers;

/// <summary>
/// A read-only wrapper that gives up when no byte arrives for <paramref name="idle"/>: a dropped connection (a pulled
/// cable sends no FIN) then fails in seconds instead of holding its upload, lock and all, for hours.
/// Throws <see cref="StalledTransferException"/>, an <see cref="IOException"/> as any other broken connection.
/// </summary>
/// <remarks>
/// One timer watches the whole transfer (a read only notes the time), not a timer per read: at a gigabyte a
/// second a transfer makes tens of thousands of reads. Only time spent waiting in a read counts: a consumer that
/// pauses between reads (a slow disk behind it) is not the other side going silent.
/// </remarks>
public sealed class IdleTimeoutStream : Stream
{
    private const long NotWaiting = long.MinValue;

    private readonly Stream _inner;
    private readonly TimeSpan _idle;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stalled = new();
    private readonly ITimer _watch;
    private long _waitingSince = NotWaiting; // a timestamp of the clock while a read waits
    private CancellationTokenSource? _linked;
    private CancellationToken _linkedTo;

    public IdleTimeoutStream(Stream inner, TimeSpan idle, TimeProvider? clock = null)
    {
        _inner = inner;
        _idle = idle;
        _clock = clock ?? TimeProvider.System;
        var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 100));
        _watch = _clock.CreateTimer(_ => CheckIdle(), null, period, period);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var token = TokenFor(cancellationToken);
        Volatile.Write(ref _waitingSince, _clock.GetTimestamp());
        try
        {
            return await _inner.ReadAsync(buffer, token);
        }
        catch (OperationCanceledException) when (_stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StalledTransferException(_idle);
        }
        finally
        {
            Volatile.Write(ref _waitingSince, NotWaiting);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private void CheckIdle()
    {
        var since = Volatile.Read(ref _waitingSince);
        if (since != NotWaiting && _clock.GetElapsedTime(since) > _idle) _stalled.Cancel();
    }

    // The caller passes the same token read after read: link it to the stall signal once, not per read.
    private CancellationToken TokenFor(CancellationToken caller)
    {
        if (!caller.CanBeCanceled) return _stalled.Token;
        if (_linked is null || _linkedTo != caller)
        {
            _linked?.Dispose();
            _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _stalled.Token);
            _linkedTo = caller;
        }
        return _linked.Token;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _watch.Dispose();
            _linked?.Dispose();
            _stalled.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>No byte arrived for the allowed time: the other side is taken as gone.</summary>
public sealed class StalledTransferException(TimeSpan idle)
    : IOException($"no data arrived for {idle.TotalSeconds:0} seconds; the connection is taken as dropped");
