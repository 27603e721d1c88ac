namespace MediaBroker.Shared.Transfers;

/// <summary>
/// A read-only wrapper that gives up when no byte arrives for <paramref name="idle"/>: a dropped connection (a pulled
/// cable sends no FIN) then fails in seconds instead of holding its upload, lock and all, for hours.
/// Throws <see cref="StalledTransferException"/>, an <see cref="IOException"/> as any other broken connection.
/// </summary>
/// <remarks>
/// One timer watches the whole transfer (a read only notes the time), not a timer per read: at a gigabyte a
/// second a transfer makes tens of thousands of reads.
/// </remarks>
public sealed class IdleTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idle;
    private readonly CancellationTokenSource _stalled = new();
    private readonly Timer _watch;
    private long _lastActivity = Environment.TickCount64;
    private CancellationTokenSource? _linked;
    private CancellationToken _linkedTo;

    public IdleTimeoutStream(Stream inner, TimeSpan idle)
    {
        _inner = inner;
        _idle = idle;
        var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 100));
        _watch = new Timer(_ => CheckIdle(), null, period, period);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var token = TokenFor(cancellationToken);
        try
        {
            var read = await _inner.ReadAsync(buffer, token);
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            return read;
        }
        catch (OperationCanceledException) when (_stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StalledTransferException(_idle);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private void CheckIdle()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _lastActivity) > _idle.TotalMilliseconds) _stalled.Cancel();
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
