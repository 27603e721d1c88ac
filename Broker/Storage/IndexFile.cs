using System.Runtime;
using System.Text;
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
    public static async Task WriteAsync(string path, IndexSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var byStatus = snapshot.Items.ToLookup(item => item.Status);
        await AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            await using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartObject();
            writer.WriteNumber("version", snapshot.Version);
            writer.WriteString("snapshot_taken_at", snapshot.TakenAt);
            foreach (var status in ItemStatuses.All)
            {
                writer.WritePropertyName(status.WireName());
                writer.WriteStartObject();
                foreach (var item in byStatus[status])
                {
                    // JSON allows white space between tokens: line breaks around each item cost nothing to readers.
                    writer.Flush();
                    stream.WriteByte((byte)'\n');
                    writer.WritePropertyName(item.ItemId.ToString("D"));
                    JsonSerializer.Serialize(writer, item, WireJsonContext.Default.Item);
                    writer.Flush();
                    stream.WriteByte((byte)'\n');
                }
                writer.WriteEndObject();
                await writer.FlushAsync(ct);
            }
            writer.WriteEndObject();
            await writer.FlushAsync(ct);
            stream.WriteByte((byte)'\n');
        }, cancellationToken);
    }

    /// <returns>The index, or null when there is none yet.</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a readable index.</exception>
    public static IndexDocument? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            var document = new IndexDocument();
            var entries = FindItemsByLine(bytes, document) ?? FindItemsByParsing(bytes, document);
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

    /// <summary>Where one item's JSON object starts, and the state it is listed under.</summary>
    private readonly record struct Entry(ItemStatus Status, int Start);

    /// <summary>
    /// The fast way, for files this class wrote: a header line, then lines that are either exactly one item
    /// (<c>"id":{...}</c>, with a leading comma after the first) or only structure (closing one state's map, opening
    /// the next). Null when the file has another layout.
    /// </summary>
    private static List<Entry>? FindItemsByLine(byte[] bytes, IndexDocument document)
    {
        var span = bytes.AsSpan();
        var headerEnd = span.IndexOf((byte)'\n');
        if (headerEnd < 0 || !ReadHeader(span[..headerEnd], document, out var open)) return null;

        var entries = new List<Entry>(bytes.Length / 512);
        for (var lineStart = headerEnd + 1; lineStart < bytes.Length;)
        {
            var length = span[lineStart..].IndexOf((byte)'\n');
            var line = length < 0 ? span[lineStart..] : span.Slice(lineStart, length);
            var lead = line.Length > 0 && line[0] == (byte)',' ? 1 : 0;
            if (IsItemLine(line, lead))
            {
                if (open is not { } status) return null;
                entries.Add(new Entry(status, lineStart + lead + 39));
            }
            else if (!FollowStructure(line, ref open)) return null;
            lineStart += line.Length + 1;
        }
        return entries;
    }

    private static bool IsItemLine(ReadOnlySpan<byte> line, int lead) =>
        line.Length > lead + 40 && line[lead] == (byte)'"' && line.Slice(lead + 37, 3).SequenceEqual("\":{"u8) && line[^1] == (byte)'}'
        && Guid.TryParseExact(Encoding.ASCII.GetString(line.Slice(lead + 1, 36)), "D", out _);

    /// <summary>The first line: version, snapshot time, and the opening of the first state's map.</summary>
    private static bool ReadHeader(ReadOnlySpan<byte> header, IndexDocument document, out ItemStatus? open)
    {
        open = null;
        var reader = new Utf8JsonReader(header, isFinalBlock: false, state: default);
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        break;
                    case JsonTokenType.Number when property == "version":
                        document.Version = reader.GetInt64();
                        break;
                    case JsonTokenType.String when property == "snapshot_taken_at":
                        document.SnapshotTakenAt = reader.GetDateTimeOffset();
                        break;
                    case JsonTokenType.StartObject when reader.CurrentDepth == 1:
                        open = ItemStatuses.TryParse(property, out var status) ? status : null;
                        break;
                    case JsonTokenType.EndObject when reader.CurrentDepth == 1:
                        open = null;
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth > 1:
                        return false; // items inside the header: not our layout
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// A structure line such as <c>},"in_progress":{},"finished_successful":{</c> holds only braces, commas, colons
    /// and state names; follows which state's map is open at its end. False for anything else.
    /// </summary>
    private static bool FollowStructure(ReadOnlySpan<byte> line, ref ItemStatus? open)
    {
        for (var i = 0; i < line.Length; i++)
        {
            switch (line[i])
            {
                case (byte)'}':
                    open = null;
                    break;
                case (byte)',' or (byte)' ' or (byte)'\r':
                    break;
                case (byte)'"':
                    var end = line[(i + 1)..].IndexOf((byte)'"');
                    if (end < 0 || !ItemStatuses.TryParse(Encoding.ASCII.GetString(line.Slice(i + 1, end)), out var status)) return false;
                    i += end + 2;
                    if (i + 1 >= line.Length || line[i] != (byte)':' || line[i + 1] != (byte)'{') return false;
                    open = status;
                    i++;
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>The slow way, for any valid layout: one pass of the JSON reader over the whole file.</summary>
    private static List<Entry> FindItemsByParsing(byte[] bytes, IndexDocument document)
    {
        var entries = new List<Entry>();
        var reader = new Utf8JsonReader(bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("index.json must hold an object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "version") document.Version = reader.GetInt64();
            else if (name == "snapshot_taken_at") document.SnapshotTakenAt = reader.GetDateTimeOffset();
            else if (ItemStatuses.TryParse(name, out var status))
            {
                if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"{name} must be an object");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                    entries.Add(new Entry(status, (int)reader.TokenStartIndex));
                    reader.Skip();
                }
            }
            else reader.Skip();
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("index.json ends too early");
        return entries;
    }
}
