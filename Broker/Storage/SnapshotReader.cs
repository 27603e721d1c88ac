using System.IO.Abstractions;
using System.Text.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>index.json as memory needs it at start: the version, the snapshot time and every item's summary.</summary>
public sealed record SnapshotSummaries(long Version, DateTimeOffset TakenAt, List<ItemSummary> Items, long Bytes)
{
    /// <summary>Only the version could be read (a file laid out by hand): the items are to be read from their folders.</summary>
    public bool Untrusted { get; init; }
}

/// <summary>
/// Reads the summaries of index.json as a stream of large blocks, each block's items parsed on every core, without
/// building the records: a million items in a few seconds, with memory for one block besides the summaries.
/// </summary>
public static class SnapshotReader
{
    /// <returns>Null when there is no index.json.</returns>
    /// <exception cref="InvalidDataException">Not a readable index, or not laid out one item a line (then <see cref="IndexFile.Read"/> can still read it).</exception>
    public static SnapshotSummaries? Read(IFileSystem files, string path, NameTable names)
    {
        if (!files.File.Exists(path)) return null;
        using var stream = files.FileStream.New(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var lines = new SnapshotLines();
        // Sized from the file (about a kilobyte an item), so that a million summaries are not copied while the list grows.
        var items = new List<ItemSummary>((int)Math.Min(int.MaxValue / 2, stream.Length / 700 + 16));
        try
        {
            LineBlocks.Read(stream, (block, offset) =>
            {
                var found = lines.Items(block, offset);
                var parsed = new ItemSummary[found.Count];
                Parallel.For(0, found.Count, i => parsed[i] = Parse(found[i], names));
                items.AddRange(parsed);
            });
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"index.json is not a readable index: {error.Message}", error);
        }
        if (!lines.Ended) throw new InvalidDataException("index.json is cut short or not laid out one item a line");
        return new SnapshotSummaries(lines.Header.Version, lines.Header.SnapshotTakenAt, items, stream.Length);
    }

    private static ItemSummary Parse(SnapshotLine line, NameTable names)
    {
        var summary = ItemSummaryJson.Read(line.Json.Span, names);
        // The map it is listed under is its state, as when the whole index is read.
        return summary.Status == line.Status ? summary : summary with { Status = line.Status };
    }
}
