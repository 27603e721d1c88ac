using System.IO.Abstractions;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// index.journal, the changes since index.json's snapshot, appended one line per change in version order. A line that
/// cannot be written (a full disk) is kept in memory with every later one and written, in order, at the next
/// change or retry: the file never has a gap, and a half-written tail is cut off before the next write.
/// </summary>
public sealed class IndexJournal(IFileSystem files, string path, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Version, byte[] Line)> _pending = new();
    // Items whose intent is on disk and whose change line is not yet: carried into a restarted journal.
    private readonly Dictionary<Guid, int> _open = [];
    private long _length;
    private long _writtenVersion;
    private bool _failing;
    private long _bytesWritten;

    /// <summary>Bytes of whole lines on disk.</summary>
    public long Length { get { lock (_gate) return _length; } }

    /// <summary>Every change up to this version is on disk (in index.json or in the journal).</summary>
    public (long Version, long Length) Written { get { lock (_gate) return (_writtenVersion, _length); } }

    /// <summary>Bytes this journal wrote since the broker started (lines, and the lines carried over at a restart).</summary>
    public long BytesWritten { get { lock (_gate) return _bytesWritten; } }

    /// <summary>Changes that could not be written yet.</summary>
    public int Pending { get { lock (_gate) return _pending.Count; } }

    /// <summary>Takes over the file as recovery found it: its whole lines are <paramref name="length"/> bytes, up to <paramref name="version"/>.</summary>
    public void Open(long length, long version)
    {
        lock (_gate)
        {
            _pending.Clear();
            _length = length;
            _writtenVersion = version;
        }
    }

    /// <summary>Appends a change (or keeps it waiting, in order, when it cannot be written) and closes the item's intent.</summary>
    public void Append(long version, byte[] line, Guid itemId)
    {
        lock (_gate)
        {
            _pending.Enqueue((version, line));
            WritePending();
            Close(itemId);
        }
    }

    /// <summary>Says a change of the item is under way, before its folder is touched.</summary>
    /// <exception cref="IOException">The intent could not be written: the change must not go ahead, or a crash could hide it.</exception>
    public void Intend(Guid itemId)
    {
        lock (_gate)
        {
            _pending.Enqueue((_writtenVersion, JournalLine.Intent(itemId)));
            if (!WritePending())
            {
                var withoutIntent = _pending.Take(_pending.Count - 1).ToList();
                _pending.Clear();
                foreach (var waiting in withoutIntent) _pending.Enqueue(waiting);
                throw new IOException("index.journal cannot be written (is the disk full?); the change is not made");
            }
            _open[itemId] = _open.GetValueOrDefault(itemId) + 1;
        }
    }

    /// <summary>A change that failed before it was made: its intent needs no carrying any more.</summary>
    public void Abandon(Guid itemId)
    {
        lock (_gate) Close(itemId);
    }

    private void Close(Guid itemId)
    {
        if (!_open.TryGetValue(itemId, out var count)) return;
        if (count <= 1) _open.Remove(itemId);
        else _open[itemId] = count - 1;
    }

    /// <summary>Writes what waits; true when nothing is left waiting.</summary>
    public bool Retry()
    {
        lock (_gate) return WritePending();
    }

    /// <summary>
    /// Once index.json holds every change up to <paramref name="snapshotLength"/> bytes of the journal: the journal starts
    /// again with only the lines after them. Written beside it and renamed over it, so that a crash leaves the old
    /// journal (whose lines index.json already holds are skipped) or the new one.
    /// </summary>
    public void Restart(long snapshotLength)
    {
        lock (_gate)
        {
            long carriedBytes = 0;
            var temporary = files.Path.Combine(files.Path.GetDirectoryName(path)!, $".{files.Path.GetFileName(path)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
            try
            {
                using (var target = files.FileStream.New(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    // Changes under way whose intent is in the part left behind: their intents come along.
                    var carried = _open.Keys.Select(JournalLine.Intent).SelectMany(line => line).ToArray();
                    target.Write(carried);
                    _bytesWritten += carried.Length;
                    carriedBytes = carried.Length;
                    if (_length > snapshotLength)
                    {
                        using var source = files.FileStream.New(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                        source.Position = snapshotLength;
                        CopyExactly(source, target, _length - snapshotLength);
                    }
                    target.Flush(flushToDisk: true);
                }
                files.File.Move(temporary, path, overwrite: true);
                files.FlushFolder(files.Path.GetDirectoryName(path)!);
                _bytesWritten += Math.Max(0, _length - snapshotLength);
                _length = _length - snapshotLength + carriedBytes;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The old journal stays, whole: its lines that index.json already holds are skipped when it is read.
                logger.LogWarning("Could not start index.journal again: {Reason}; the old one is kept", error.Message);
                try { files.File.Delete(temporary); } catch (IOException) { }
            }
            WritePending();
        }
    }

    private bool WritePending()
    {
        if (_pending.Count == 0) return true;
        try
        {
            using (var stream = files.FileStream.New(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1))
            {
                // A write that failed half way left a torn line: cut it off, so the next line does not continue it.
                if (stream.Length != _length) stream.SetLength(_length);
                stream.Position = _length;
                using var lines = new MemoryStream();
                foreach (var (_, line) in _pending) lines.Write(line);
                stream.Write(lines.GetBuffer(), 0, (int)lines.Length);
            }
            foreach (var (version, line) in _pending)
            {
                _length += line.Length;
                _bytesWritten += line.Length;
                _writtenVersion = Math.Max(_writtenVersion, version);
            }
            _pending.Clear();
            if (_failing) logger.LogInformation("index.journal is written again");
            _failing = false;
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The item folders hold the changes; the lines stay in memory until they can be written.
            if (!_failing) logger.LogError("Could not write index.journal: {Reason}; {Count} changes wait in memory", error.Message, _pending.Count);
            _failing = true;
            return false;
        }
    }

    private static void CopyExactly(Stream source, Stream target, long count)
    {
        var buffer = new byte[1 << 16];
        while (count > 0)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0) throw new IOException("index.journal is shorter than it was written");
            target.Write(buffer, 0, read);
            count -= read;
        }
    }
}
