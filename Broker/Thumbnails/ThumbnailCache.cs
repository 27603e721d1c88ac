using System.Collections.Concurrent;
using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Thumbnails;

/// <summary>
/// Thumbnails made before, in <c>thumbnails/</c> of the data folder, one file per item and size: counted in the
/// broker's used bytes and bounded by <c>thumbnail_cache_bytes</c>, the least recently served going first. Only a
/// cache: anything in it can be made again, so it is never in an item's folder nor in index.json.
/// </summary>
public sealed class ThumbnailCache
{
    private readonly IFileSystem _files;
    private readonly long _limit;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _bytes;
    private long _clock;

    private sealed class Entry(long size, long lastUsed)
    {
        public long Size { get; } = size;
        public long LastUsed = lastUsed;
    }

    public ThumbnailCache(DataFolder data, IFileSystem files, BrokerSettings settings)
    {
        _files = files;
        _limit = settings.ThumbnailCacheBytes;
        Folder = data.Thumbnails;
    }

    /// <summary>
    /// Counts what an earlier run kept, once at start, after the data folder was opened (never creating it: see
    /// <see cref="DataFolder.MissingFolder"/>).
    /// </summary>
    public void Load()
    {
        if (!_files.Directory.Exists(Folder)) return;
        foreach (var path in _files.Directory.EnumerateFiles(Folder))
        {
            var name = _files.Path.GetFileName(path);
            if (AtomicFile.IsTemporary(name)) { _files.DeleteFileQuietly(path); continue; } // half-made when the broker stopped
            var size = _files.FileInfo.New(path).Length;
            _entries[name] = new Entry(size, 0);
            Interlocked.Add(ref _bytes, size);
        }
        Evict();
    }

    public string Folder { get; }
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>A file to make a thumbnail into, beside the cache and never mistaken for one.</summary>
    public string TemporaryPath(Guid itemId, int side) =>
        _files.Path.Combine(Folder, $".{Name(itemId, side)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");

    /// <summary>The kept thumbnail, opened (it stays readable if it is evicted meanwhile), or null.</summary>
    public Stream? TryOpen(Guid itemId, int side)
    {
        var name = Name(itemId, side);
        if (!_entries.TryGetValue(name, out var entry)) return null;
        try
        {
            var stream = _files.File.OpenRead(_files.Path.Combine(Folder, name));
            entry.LastUsed = Interlocked.Increment(ref _clock);
            return stream;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            Remove(name);
            return null;
        }
    }

    /// <summary>Takes a finished thumbnail in, then makes room by evicting the least recently served ones.</summary>
    public Stream Add(Guid itemId, int side, string temporary)
    {
        var name = Name(itemId, side);
        var path = _files.Path.Combine(Folder, name);
        _files.File.Move(temporary, path, overwrite: true);
        var stream = _files.File.OpenRead(path);
        var entry = new Entry(stream.Length, Interlocked.Increment(ref _clock));
        _entries.AddOrUpdate(name, _ => { Interlocked.Add(ref _bytes, entry.Size); return entry; },
            (_, old) => { Interlocked.Add(ref _bytes, entry.Size - old.Size); return entry; });
        Evict();
        return stream;
    }

    /// <summary>Every thumbnail of a deleted item goes with it.</summary>
    public void Forget(Guid itemId)
    {
        var prefix = itemId.ToString("N") + "-";
        foreach (var name in _entries.Keys.Where(name => name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _files.DeleteFileQuietly(_files.Path.Combine(Folder, name));
            Remove(name);
        }
    }

    private void Evict()
    {
        lock (_evicting)
        {
            while (Bytes > _limit && _entries.IsEmpty is false)
            {
                var oldest = _entries.MinBy(pair => pair.Value.LastUsed);
                _files.DeleteFileQuietly(_files.Path.Combine(Folder, oldest.Key));
                Remove(oldest.Key);
            }
        }
    }

    private void Remove(string name)
    {
        if (_entries.TryRemove(name, out var entry)) Interlocked.Add(ref _bytes, -entry.Size);
    }

    private static string Name(Guid itemId, int side) => $"{itemId:N}-{ThumbnailSizes.Text(side)}.jpg";
}
