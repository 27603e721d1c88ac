using System.Buffers;
using System.Text.Json;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// One line of index.journal: <c>{"version":N,"item":{...}}</c> for an item created or changed (its whole record, as in
/// index.json), <c>{"version":N,"deleted":"id"}</c> for one removed; N is the index version the change makes. Before
/// an item's folder is touched, <c>{"intent":"id"}</c> says a change of it is under way: after a crash, the items with
/// an intent and no change after it are the only ones whose folder may differ from the index.
/// </summary>
public static class JournalLine
{
    public static readonly byte[] ItemPrefix = "\"item\":"u8.ToArray();

    public static byte[] Changed(long version, Item item) => Write(version, writer =>
    {
        writer.WritePropertyName("item"u8);
        JsonSerializer.Serialize(writer, item, WireJsonContext.Default.Item);
    });

    public static byte[] Deleted(long version, Guid itemId) => Write(version, writer => writer.WriteString("deleted"u8, itemId));

    public static byte[] Intent(Guid itemId) => Write(null, writer => writer.WriteString("intent"u8, itemId));

    private static byte[] Write(long? version, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (version is { } number) writer.WriteNumber("version"u8, number);
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What a line says; null when it is not a whole journal line (a torn last line, or damage).</summary>
    /// <returns>Version 0 for an intent. ItemStart: where the item's JSON starts in the line (-1 for a deletion or an intent); it ends one byte before the line's end.</returns>
    public static (long Version, Guid ItemId, ItemSummary? Summary, int ItemStart)? Parse(ReadOnlySpan<byte> line, NameTable names)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read()) return null;
            if (reader.ValueTextEquals("intent"u8))
            {
                reader.Read();
                var intended = reader.GetGuid();
                return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? (0, intended, null, -1) : null;
            }
            if (!reader.ValueTextEquals("version"u8) || !reader.Read()) return null;
            var version = reader.GetInt64();
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
            if (reader.ValueTextEquals("deleted"u8))
            {
                reader.Read();
                var id = reader.GetGuid();
                return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? (version, id, null, -1) : null;
            }
            if (!reader.ValueTextEquals("item"u8) || !reader.Read()) return null;
            var start = (int)reader.TokenStartIndex;
            var summary = ItemSummaryJson.Read(ref reader, names);
            return reader.Read() && reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? (version, summary.ItemId, summary, start) : null;
        }
        catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public static Item ReadItem(ReadOnlySpan<byte> line, int itemStart) =>
        JsonSerializer.Deserialize(line[itemStart..^1], WireJsonContext.Default.Item) ?? throw new JsonException("null item");
}
