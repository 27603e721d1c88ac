namespace MediaBroker.Client.Transfers;

/// <summary>
/// A deadline for one request that sends a body: it ends the request when the broker stops taking bytes for
/// <c>stall</c> (a half-open connection: a pulled cable sends no FIN) or, once the last byte is out, gives no answer
/// within <c>answer</c>. Without it a dead connection would hold the client's whole pass forever.
/// </summary>
public sealed class TransferWatch : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _stall;
    private readonly TimeSpan _answer;
    private readonly CancellationTokenSource _expired = new();
    private readonly CancellationTokenSource _linked;
    private readonly ITimer _timer;
    private long _lastProgress;
    private long _bodySentAt;
    private int _bodySent;

    public TransferWatch(TimeProvider time, TimeSpan stall, TimeSpan answer, CancellationToken outer)
    {
        _time = time;
        _stall = stall;
        _answer = answer;
        _lastProgress = time.GetTimestamp();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(outer, _expired.Token);
        var period = TimeSpan.FromTicks(Math.Max(stall.Ticks / 4, TimeSpan.TicksPerMillisecond * 100));
        _timer = time.CreateTimer(_ => Check(), null, period, period);
    }

    /// <summary>For the request: cancelled by the caller, or when the deadline passes.</summary>
    public CancellationToken Token => _linked.Token;

    public bool Expired => _expired.IsCancellationRequested;

    /// <summary>What went wrong, for a person, once <see cref="Expired"/>.</summary>
    public string Reason => Volatile.Read(ref _bodySent) == 1
        ? $"the broker took every byte but gave no answer within {_answer.TotalSeconds:0} seconds"
        : $"the broker took no byte for {_stall.TotalSeconds:0} seconds; the connection is taken as dropped";

    /// <summary>Bytes of the body were taken.</summary>
    public void Progress() => Volatile.Write(ref _lastProgress, _time.GetTimestamp());

    /// <summary>The last byte of the body is out: from now on the answer is what is waited for.</summary>
    public void BodySent()
    {
        Volatile.Write(ref _bodySentAt, _time.GetTimestamp());
        Volatile.Write(ref _bodySent, 1);
    }

    private void Check()
    {
        var expired = Volatile.Read(ref _bodySent) == 1
            ? _time.GetElapsedTime(Volatile.Read(ref _bodySentAt)) > _answer
            : _time.GetElapsedTime(Volatile.Read(ref _lastProgress)) > _stall;
        if (!expired) return;
        try { _expired.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _linked.Dispose();
        _expired.Dispose();
    }
}
