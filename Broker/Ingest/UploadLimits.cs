using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Ingest;

/// <summary>
/// The two limits every upload meets, one-shot or resumable: its size (max_upload_bytes, 413) and room on the disk
/// (min_free_bytes, 507). Room is claimed, not only checked: an accepted upload holds a <see cref="SpaceClaim"/> on
/// what it still has to send and on its output (assumed as large as its input), and every check counts the claims of
/// the others and the outputs of items not converted yet. Two uploads checked at the same moment can no longer both
/// take the same space.
/// </summary>
public sealed class UploadLimits(BrokerSettings settings, DiskSpace disk, ItemStore store)
{
    private readonly Lock _gate = new();
    private readonly HashSet<SpaceClaim> _claims = [];

    public long MaxUploadBytes => settings.MaxUploadBytes;

    /// <summary>Refuses (413) a file larger than max_upload_bytes.</summary>
    public void EnsureAllowedSize(long bytes)
    {
        if (bytes > settings.MaxUploadBytes) throw Rejection.TooLarge(settings.MaxUploadBytes);
    }

    /// <summary>
    /// Claims room for an upload of <paramref name="bytes"/> of which <paramref name="landed"/> are on disk already,
    /// and for its output; refuses (507) when that would leave less than min_free_bytes. An upload accepted before a
    /// restart is claimed again with <paramref name="mustFit"/> false: it was promised its room then.
    /// </summary>
    public SpaceClaim Claim(long bytes, long landed = 0, bool mustFit = true)
    {
        var claim = new SpaceClaim(this, bytes, landed);
        lock (_gate)
        {
            if (mustFit) EnsureRoomUnlocked(claim.Outstanding);
            _claims.Add(claim);
        }
        return claim;
    }

    /// <summary>Refuses (507) when what is promised already leaves less than min_free_bytes (another program filled the disk).</summary>
    public void EnsureRoomLeft()
    {
        lock (_gate) EnsureRoomUnlocked(0);
    }

    /// <summary>Claims <paramref name="bytes"/> more for a claim whose size was not known (a chunked upload); 507 when there is no room.</summary>
    internal void Grow(SpaceClaim claim, long bytes)
    {
        lock (_gate)
        {
            EnsureRoomUnlocked(2 * bytes);
            claim.Enlarge(bytes);
        }
    }

    internal void Release(SpaceClaim claim)
    {
        lock (_gate) _claims.Remove(claim);
    }

    private void EnsureRoomUnlocked(long needed)
    {
        var available = disk.AvailableBytes();
        var promised = _claims.Sum(claim => claim.Outstanding) + store.PendingOutputBytes;
        if (available - promised - needed < settings.MinFreeBytes)
            throw Rejection.InsufficientStorage(
                $"the broker has {available} bytes free, {promised} of them promised to uploads and conversions under way, and keeps at least "
                + $"{settings.MinFreeBytes} free (min_free_bytes); the file needs {needed} (itself and room for its output)");
    }
}

/// <summary>Room promised to one upload: what it still has to send, and its output. Released when disposed.</summary>
public sealed class SpaceClaim : IDisposable
{
    private readonly UploadLimits _limits;
    private long _input;
    private long _landed;
    private int _released;

    internal SpaceClaim(UploadLimits limits, long input, long landed)
    {
        _limits = limits;
        _input = input;
        _landed = landed;
    }

    /// <summary>Bytes still to land, plus the output (assumed as large as the input).</summary>
    public long Outstanding => Math.Max(0, Interlocked.Read(ref _input) - Interlocked.Read(ref _landed)) + Interlocked.Read(ref _input);

    /// <summary>So many bytes of the upload are on disk now: they are no longer promised, they are used.</summary>
    public void Landed(long total) => Interlocked.Exchange(ref _landed, total);

    /// <summary>An upload of unknown size grew past its claim: claims more, or refuses (507).</summary>
    public void Grow(long bytes) => _limits.Grow(this, bytes);

    internal void Enlarge(long bytes) => Interlocked.Add(ref _input, bytes);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _limits.Release(this);
    }
}
