using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The next index.json, made from the last one and the journal, as streams: the old snapshot's lines are copied as
/// they are, except items the journal changed or deleted; the journal's latest record of each changed item is
/// merged in at its place in creation order. No item is parsed twice, memory holds only the journal's changes
/// (by where they are in the journal, not their records), and the broker keeps working meanwhile.
/// </summary>
public static class SnapshotMerge
{
    private readonly record struct Change(ItemSummary? Summary, long LineOffset, int LineLength, int ItemStart);

    /// <param name="journalLength">The journal's first bytes that hold every change up to <paramref name="version"/>.</param>
    public static void Write(IFileSystem files, DataFolder data, long journalLength, long version, DateTimeOffset takenAt, Stream target)
    {
        var names = new NameTable();
        using var snapshot = files.FileStream.New(data.IndexFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var snapshotVersion = ReadVersion(snapshot);
        using var journal = files.FileStream.New(data.JournalFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var changes = ReadChanges(journal, journalLength, snapshotVersion, names);
        var byState = ItemStatuses.All.ToDictionary(status => status, status => new Queue<(ItemSummary Summary, Change Change)>(
            changes.Values.Where(change => change.Summary?.Status == status).Select(change => (change.Summary!.Value, change))
                .OrderBy(pair => pair.Value.ListingKey)));

        var writer = new SnapshotWriter(target);
        writer.Begin(version, takenAt);
        var lines = new SnapshotLines();
        ItemStatus? open = null;
        LineBlocks.Read(snapshot, (block, offset) =>
        {
            foreach (var line in lines.Items(block, offset))
            {
                if (changes.ContainsKey(line.ItemId)) continue;
                while (open != line.Status) open = Next(writer, open, byState, journal);
                var key = (CreatedAtTicks(line.Json.Span), line.ItemId);
                var waiting = byState[line.Status];
                while (waiting.TryPeek(out var change) && change.Summary.ListingKey.CompareTo(key) < 0)
                    WriteChange(writer, waiting.Dequeue().Change, journal);
                writer.Item(line.ItemId, line.Json.Span);
            }
        });
        while (open != ItemStatuses.All[^1]) open = Next(writer, open, byState, journal);
        Flush(writer, byState[open.Value], journal);
        writer.End();
    }

    /// <summary>Closes the open state with the changes still waiting for it, and opens the next one.</summary>
    private static ItemStatus Next(SnapshotWriter writer, ItemStatus? open, Dictionary<ItemStatus, Queue<(ItemSummary, Change)>> byState, Stream journal)
    {
        if (open is { } closing) Flush(writer, byState[closing], journal);
        var next = open is null ? ItemStatuses.All[0] : ItemStatuses.All[(int)open.Value + 1];
        writer.State(next);
        return next;
    }

    private static void Flush(SnapshotWriter writer, Queue<(ItemSummary, Change Change)> waiting, Stream journal)
    {
        while (waiting.TryDequeue(out var change)) WriteChange(writer, change.Change, journal);
    }

    private static void WriteChange(SnapshotWriter writer, Change change, Stream journal)
    {
        var line = new byte[change.LineLength];
        journal.Position = change.LineOffset;
        journal.ReadExactly(line);
        // The item's JSON ends right before the line's closing brace.
        writer.Item(change.Summary!.Value.ItemId, line.AsSpan(change.ItemStart, line.Length - change.ItemStart - 1));
    }

    /// <summary>The last change of every item the journal names after the snapshot's version; a null summary for a deletion.</summary>
    private static Dictionary<Guid, Change> ReadChanges(Stream journal, long length, long after, NameTable names)
    {
        var changes = new Dictionary<Guid, Change>();
        LineBlocks.Read(journal, (block, offset) =>
        {
            foreach (var (line, lineOffset, ended) in LineBlocks.Lines(block, offset))
            {
                if (!ended) break; // past the length that was asked for, or torn
                if (JournalLine.Parse(line.Span, names) is not { } entry)
                    throw new InvalidDataException($"index.journal has an unreadable line at byte {lineOffset}");
                if (entry.Version <= after) continue;
                changes[entry.ItemId] = new Change(entry.Summary, lineOffset, line.Length, entry.ItemStart);
            }
        }, limit: length);
        return changes;
    }

    private static long ReadVersion(Stream snapshot)
    {
        var header = new byte[4096];
        var read = snapshot.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        snapshot.Position = 0;
        var end = header.AsSpan(0, read).IndexOf((byte)'\n');
        var document = new IndexDocument();
        if (end < 0 || !IndexEntries.ReadHeader(header.AsSpan(0, end), document, out _))
            throw new InvalidDataException("index.json is not laid out one item a line");
        return document.Version;
    }

    /// <summary>An item's creation time, found without parsing the rest of it.</summary>
    private static long CreatedAtTicks(ReadOnlySpan<byte> json)
    {
        var at = json.IndexOf("\"created_at\":"u8);
        if (at < 0) throw new InvalidDataException("an item of index.json has no created_at");
        var reader = new Utf8JsonReader(json[(at + "\"created_at\":"u8.Length)..], isFinalBlock: false, state: default);
        reader.Read();
        return reader.GetDateTimeOffset().UtcTicks;
    }
}
