using System.IO.Abstractions;
using System.Runtime;
using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>Everything index.json holds at one moment.</summary>
/// <param name="TakenAt">Wall-clock time of the snapshot; folders changed after it are read again at start.</param>
public sealed record IndexSnapshot(long Version, DateTimeOffset TakenAt, IReadOnlyList<Item> Items);

/// <summary>index.json as it is read back: the seed's layout, one map item_id -> item per state.</summary>
public sealed class IndexDocument
{
    public long Version { get; set; }
    public DateTimeOffset SnapshotTakenAt { get; set; }
    public Dictionary<Guid, Item> ToDo { get; set; } = [];
    public Dictionary<Guid, Item> InProgress { get; set; } = [];
    public Dictionary<Guid, Item> FinishedSuccessful { get; set; } = [];
    public Dictionary<Guid, Item> FinishedWithErrors { get; set; } = [];

    public Dictionary<Guid, Item> State(ItemStatus status) => status switch
    {
        ItemStatus.ToDo => ToDo,
        ItemStatus.InProgress => InProgress,
        ItemStatus.FinishedSuccessful => FinishedSuccessful,
        _ => FinishedWithErrors,
    };

    public IEnumerable<(ItemStatus Status, Item Item)> Entries() =>
        ItemStatuses.All.SelectMany(status => State(status).Values.Select(item => (status, item)));
}

/// <summary>
/// Reads and atomically writes index.json: the seed's layout, one map item_id -> item per state, with every item on
/// a line of its own. The lines are what make start-up fast at 100,000 items: the reader finds the items by their
/// line breaks and parses them in parallel. Any other valid layout (a file edited by hand) is read the slow way.
/// </summary>
public static class IndexFile
{
    /// <summary>A whole snapshot from full records (the first one, or one rebuilt from the item folders).</summary>
    public static async Task WriteAsync(IFileSystem files, string path, IndexSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var byStatus = snapshot.Items.ToLookup(item => item.Status);
        await files.WriteAtomicallyAsync(path, (stream, ct) =>
        {
            var writer = new SnapshotWriter(stream);
            writer.Begin(snapshot.Version, snapshot.TakenAt);
            foreach (var status in ItemStatuses.All)
            {
                writer.State(status);
                foreach (var item in byStatus[status].OrderBy(item => item.CreatedAt.UtcTicks).ThenBy(item => item.ItemId))
                    writer.Item(item.ItemId, JsonSerializer.SerializeToUtf8Bytes(item, WireJsonContext.Default.Item));
            }
            writer.End();
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>index.json with the changes of index.journal applied: the whole index as a restarted broker would see it.</summary>
    public static IndexDocument? ReadWithJournal(IFileSystem files, DataFolder data)
    {
        var document = Read(files, data.IndexFile);
        if (document is null || !files.File.Exists(data.JournalFile)) return document;
        var names = new NameTable();
        foreach (var line in files.File.ReadAllLines(data.JournalFile))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(line);
            if (JournalLine.Parse(bytes, names) is not { } entry) break; // a torn last line
            if (entry.Version <= document.Version) continue;
            foreach (var status in ItemStatuses.All) document.State(status).Remove(entry.ItemId);
            if (entry.Summary is { } summary) document.State(summary.Status)[entry.ItemId] = JournalLine.ReadItem(bytes, entry.ItemStart);
            document.Version = entry.Version;
        }
        return document;
    }

    /// <returns>The index, or null when there is none yet.</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a readable index.</exception>
    public static IndexDocument? Read(IFileSystem files, string path)
    {
        if (!files.File.Exists(path)) return null;
        try
        {
            var bytes = files.File.ReadAllBytes(path);
            var document = new IndexDocument();
            var entries = IndexEntries.FindByLine(bytes, document) ?? IndexEntries.FindByParsing(bytes, document);
            var items = new Item[entries.Count];
            var noCollections = StartNoCollectionRegion(bytes.Length);
            try
            {
                Parallel.For(0, entries.Count, i =>
                {
                    var reader = new Utf8JsonReader(bytes.AsSpan(entries[i].Start));
                    reader.Read();
                    items[i] = JsonSerializer.Deserialize(ref reader, WireJsonContext.Default.Item)
                        ?? throw new JsonException("an item of index.json is null");
                });
            }
            finally
            {
                if (noCollections && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
            }
            for (var i = 0; i < items.Length; i++)
                document.State(entries[i].Status)[items[i].ItemId] = items[i].Status == entries[i].Status ? items[i] : items[i] with { Status = entries[i].Status };
            return document;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"index.json is not a readable index: {error.Message}", error);
        }
    }

    /// <summary>
    /// Parsing allocates about four times the file's size, nearly all of it kept: collections in the middle of it
    /// would only copy live items around. Suspending them for the parse halves start-up at 100,000 items.
    /// </summary>
    private static bool StartNoCollectionRegion(long fileBytes)
    {
        const long MaxRegion = 1L << 30;
        if (fileBytes * 5 > MaxRegion) return false;
        try
        {
            return GC.TryStartNoGCRegion(Math.Max(fileBytes * 5, 1 << 20));
        }
        catch (Exception error) when (error is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false; // the runtime will not grant it; parse with collections as usual
        }
    }
}
