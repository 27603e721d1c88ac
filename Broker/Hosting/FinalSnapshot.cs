using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Hosting;

/// <summary>
/// The last thing a broker does: write index.json once nothing can change any more, then remove the run marker so
/// the next start may trust that index. Runs when the host has stopped, or when it is disposed without having
/// started (a port already taken); whichever comes first.
/// </summary>
public sealed class FinalSnapshot(ItemStore store, RunMarker marker) : IDisposable
{
    private int _done;

    public void Complete()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        store.WriteIndexAsync().GetAwaiter().GetResult();
        marker.Dispose();
    }

    public void Dispose() => Complete();
}
