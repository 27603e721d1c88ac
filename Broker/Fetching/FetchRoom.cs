using MediaBroker.Broker.Ingest;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// A fetch meets min_free_bytes as an upload does (<see cref="UploadLimits"/>): it claims room for what it has and for
/// its output when it starts, claims the announced size as soon as a report gives it (or, when none is announced, the
/// bytes fetched so far and a step more), and gives the room back when it ends. When the disk has no room left for it,
/// the fetch is stopped through <see cref="Token"/> and <see cref="Refusal"/> says why; the bytes fetched so far stay
/// for a retry. Every report goes on to the item's progress.
/// </summary>
public sealed class FetchRoom : IProgress<FetchProgress>, IDisposable
{
    /// <summary>How far ahead of the bytes fetched room is claimed while no size is announced.</summary>
    public const long ClaimAhead = 1 << 20;

    private readonly Lock _gate = new();
    private readonly SpaceClaim _claim;
    private readonly IProgress<FetchProgress> _progress;
    private readonly CancellationTokenSource _stop;
    private long _claimed;

    private FetchRoom(SpaceClaim claim, long claimed, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        _claim = claim;
        _claimed = claimed;
        _progress = progress;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>Stops the fetch when the item is stopped, or when the disk has no room left for it.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Why the fetch was stopped for want of room, in one line; null while it has room.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Claims room for a fetch that has <paramref name="fetched"/> bytes on disk already.</summary>
    /// <exception cref="FetchFailed">The disk has no room left for it now.</exception>
    public static FetchRoom Claim(UploadLimits limits, long fetched, IProgress<FetchProgress> progress, CancellationToken cancellationToken)
    {
        try
        {
            return new FetchRoom(limits.Claim(fetched, landed: fetched), fetched, progress, cancellationToken);
        }
        catch (Rejection refused) when (refused.Kind == RejectionKind.InsufficientStorage)
        {
            throw new FetchFailed(Explain(refused));
        }
    }

    public void Report(FetchProgress value)
    {
        lock (_gate)
        {
            _claim.Landed(value.Bytes);
            if (Refusal is null && Math.Max(value.Bytes, value.TotalBytes ?? 0) > _claimed)
            {
                // The announced size at once; without one, a step ahead of what came, so that the disk is asked once a step, not once a chunk.
                var target = value.TotalBytes is { } total && total >= value.Bytes ? total : value.Bytes + ClaimAhead;
                try
                {
                    _claim.Grow(target - _claimed);
                    _claimed = target;
                }
                catch (Rejection refused) when (refused.Kind == RejectionKind.InsufficientStorage)
                {
                    Refusal = Explain(refused);
                    _stop.Cancel();
                }
            }
        }
        _progress.Report(value);
    }

    private static string Explain(Rejection refused) => $"the broker's disk has no room for this link: {refused.Message}";

    public void Dispose()
    {
        _claim.Dispose();
        _stop.Dispose();
    }
}
