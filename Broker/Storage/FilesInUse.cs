using System.Collections.Concurrent;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The items whose output is being read right now (a download, a signed link): removing their files waits until the
/// last reader is done, so that no grace time ends in the middle of a download.
/// </summary>
public sealed class FilesInUse
{
    private readonly ConcurrentDictionary<Guid, int> _readers = new();

    /// <summary>Marks the item's files in use until the returned handle is disposed.</summary>
    public IDisposable Use(Guid itemId)
    {
        _readers.AddOrUpdate(itemId, 1, (_, count) => count + 1);
        return new Release(this, itemId);
    }

    public bool IsInUse(Guid itemId) => _readers.ContainsKey(itemId);

    private sealed class Release(FilesInUse owner, Guid itemId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1) return;
            // Removed only while it is still the last count, so that a reader that came meanwhile keeps its mark.
            while (true)
            {
                if (!owner._readers.TryGetValue(itemId, out var count)) return;
                if (count <= 1 ? owner._readers.TryRemove(new KeyValuePair<Guid, int>(itemId, count)) : owner._readers.TryUpdate(itemId, count - 1, count)) return;
            }
        }
    }
}
