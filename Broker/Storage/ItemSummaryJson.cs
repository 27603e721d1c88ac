using System.Text.Json;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Reads an <see cref="ItemSummary"/> straight from an item's JSON, skipping what memory does not keep (media,
/// errors, names): about five times faster than deserializing the whole record, and it allocates nearly nothing.
/// </summary>
public static class ItemSummaryJson
{
    /// <param name="reader">Positioned on the item's StartObject; left on its EndObject.</param>
    /// <exception cref="JsonException">Not an item, or an item without id, client, conversion type or times.</exception>
    public static ItemSummary Read(ref Utf8JsonReader reader, NameTable names)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("an item must be an object");
        Guid? id = null;
        ItemStatus? status = null;
        long? created = null, queued = null;
        int client = -1, type = -1;
        UInt128 sha = 0;
        long size = 0, outputSize = -1, version = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (name.SequenceEqual("item_id"u8)) id = reader.GetGuid();
            else if (name.SequenceEqual("client_id"u8)) client = Number(ref reader, names);
            else if (name.SequenceEqual("conversion_type"u8)) type = Number(ref reader, names);
            else if (name.SequenceEqual("created_at"u8)) created = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("queued_at"u8)) queued = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("sha512_checksum"u8)) sha = reader.ValueIsEscaped ? ShaPrefix.Of(reader.GetString()!) : ShaPrefix.Of(reader.ValueSpan);
            else if (name.SequenceEqual("file_size"u8)) size = reader.GetInt64();
            else if (name.SequenceEqual("version"u8)) version = reader.GetInt64();
            else if (name.SequenceEqual("status"u8)) status = ItemStatuses.TryParse(reader.GetString(), out var parsed) ? parsed : throw new JsonException("unknown status");
            else if (name.SequenceEqual("output"u8)) outputSize = OutputSize(ref reader);
            else reader.Skip();
        }
        if (id is null || client < 0 || type < 0 || created is null || status is null)
            throw new JsonException("an item lacks item_id, client_id, conversion_type, created_at or status");
        return new ItemSummary(id.Value, status.Value, created.Value, queued ?? created.Value, client, type, sha, size, outputSize, version);
    }

    private static int Number(ref Utf8JsonReader reader, NameTable names)
    {
        Span<char> buffer = stackalloc char[256];
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return length <= buffer.Length ? names.Number(buffer[..reader.CopyString(buffer)]) : names.Number(reader.GetString()!);
    }

    private static long OutputSize(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("output must be an object");
        long size = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSize = reader.ValueTextEquals("file_size"u8);
            reader.Read();
            if (isSize && reader.TokenType == JsonTokenType.Number) size = reader.GetInt64();
            else reader.Skip();
        }
        return size;
    }
}
