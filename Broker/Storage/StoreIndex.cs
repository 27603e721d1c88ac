using System.IO.Abstractions;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The index on disk: index.json, a snapshot in the seed's layout, and index.journal, a line per change since. A
/// change costs one appended line whatever the number of items; the snapshot is merged anew from the old one and the
/// journal only once the journal has grown to a quarter of it, which bounds the bytes written per change (about five
/// times a line) and the journal a start has to read.
/// </summary>
public sealed class StoreIndex(DataFolder data, IFileSystem files, ILogger logger)
{
    /// <summary>The snapshot is rewritten once the journal reaches this share of it.</summary>
    public const int JournalShareDivisor = 4;

    private readonly IndexJournal _journal = new(files, data.JournalFile, logger);
    private readonly SemaphoreSlim _rewriting = new(1, 1);
    private long _snapshotBytes;
    private long _snapshotBytesWritten;

    /// <summary>Bytes the index wrote since the broker started: journal lines and snapshots (for scripts/bench).</summary>
    public long BytesWritten => _journal.BytesWritten + Interlocked.Read(ref _snapshotBytesWritten);

    /// <summary>Changes that could not be written to the journal yet (a full disk); they are retried in order.</summary>
    public int Pending => _journal.Pending;

    public bool SnapshotIsDue => _journal.Length * JournalShareDivisor >= Volatile.Read(ref _snapshotBytes);

    /// <summary>Takes over index.json and the journal as recovery found them; writes a new snapshot when recovery read every folder.</summary>
    public async Task OpenAsync(RecoveredItems recovered, long version, CancellationToken cancellationToken)
    {
        _journal.Open(recovered.JournalLength, recovered.Version);
        if (recovered.Everything is { } everything)
        {
            await IndexFile.WriteAsync(files, data.IndexFile, new IndexSnapshot(version, DateTimeOffset.UtcNow, everything), cancellationToken);
            _journal.Restart(recovered.JournalLength);
            _journal.Open(0, version);
        }
        // An empty journal from the first start on: after a crash, its absence means a broker from before journals.
        if (!files.File.Exists(data.JournalFile))
        {
            files.FileStream.New(data.JournalFile, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read).Dispose();
            files.FlushFolder(data.Root);
        }
        _snapshotBytes = files.FileInfo.New(data.IndexFile).Length;
    }

    /// <summary>Journals a change; called in version order (under the store's publishing lock).</summary>
    public void Changed(long version, Item item) => _journal.Append(version, JournalLine.Changed(version, item), item.ItemId);

    public void Deleted(long version, Guid itemId) => _journal.Append(version, JournalLine.Deleted(version, itemId), itemId);

    /// <summary>Journals that a change of the item is under way; before its folder is touched (see <see cref="JournalLine"/>).</summary>
    /// <exception cref="IOException">The journal cannot be written: the change must not be made.</exception>
    public void Intend(Guid itemId) => _journal.Intend(itemId);

    /// <summary>The change <see cref="Intend"/> announced failed before it was made.</summary>
    public void Abandon(Guid itemId) => _journal.Abandon(itemId);

    /// <returns>True when every change is on disk.</returns>
    public bool RetryPending() => _journal.Retry();

    /// <summary>
    /// Merges a new index.json from the old one and the journal's lines up to now, then starts the journal again with
    /// the lines written meanwhile. A change whose line waits in memory (a full disk) is not in the snapshot; it is
    /// written to the new journal after the lines that are.
    /// </summary>
    public async Task WriteSnapshotAsync(CancellationToken cancellationToken)
    {
        await _rewriting.WaitAsync(cancellationToken);
        try
        {
            var (version, length) = _journal.Written;
            if (length == 0) return;
            var takenAt = DateTimeOffset.UtcNow;
            await files.WriteAtomicallyAsync(data.IndexFile, (stream, _) =>
                Task.Run(() => SnapshotMerge.Write(files, data, length, version, takenAt, stream), CancellationToken.None), cancellationToken);
            _journal.Restart(length);
            var written = files.FileInfo.New(data.IndexFile).Length;
            Volatile.Write(ref _snapshotBytes, written);
            Interlocked.Add(ref _snapshotBytesWritten, written);
        }
        finally
        {
            _rewriting.Release();
        }
    }
}
