using System.Runtime.CompilerServices;
using System.Buffers.Text;
using System.Text.Json;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Reads an <see cref="ItemSummary"/> straight from an item's JSON, skipping what memory does not keep (media,
/// errors, the safe name), and allocating little beyond the original name: a start reads a million of them.
/// </summary>
public static class ItemSummaryJson
{
    private struct Fields
    {
        public Guid? Id;
        public ItemStatus? Status;
        public long? Created, Queued;
        public int Client, Type;
        public UInt128 Sha;
        public long Size, OutputSize, Version;
        public long Finished, Fetched;
        public bool FilesRemoved;
        public string? Name;
        public UInt128 Source;
    }

    /// <summary>
    /// An item's JSON as the broker writes it (one line, its properties in their declared order): read with the JSON
    /// reader up to its status, then the output's size and the version found by their names, which JSON's escaping
    /// keeps out of every string. Anything else is read property by property.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public static ItemSummary Read(ReadOnlySpan<byte> json, NameTable names)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            var fields = ReadFields(ref reader, names, stopAtStatus: true);
            var rest = json[(int)reader.BytesConsumed..];
            var version = rest.LastIndexOf("\"version\":"u8);
            if (fields.Status is not null && version >= 0 && Utf8Parser.TryParse(rest[(version + 10)..], out long number, out _))
            {
                fields.Version = number;
                var output = rest.IndexOf("\"output\":{"u8);
                var size = output < 0 ? -1 : rest[output..].IndexOf("\"file_size\":"u8);
                var source = rest.IndexOf("\"source\":{"u8);
                if (source >= 0)
                {
                    var sourceReader = new Utf8JsonReader(rest[(source + 9)..], isFinalBlock: false, state: default);
                    sourceReader.Read();
                    fields.Source = SourceKey(ref sourceReader);
                }
                if (output < 0 || size >= 0 && Utf8Parser.TryParse(rest[(output + size + 12)..], out fields.OutputSize, out _))
                {
                    fields.Finished = TimeAfter(rest, "\"finished_at\":"u8);
                    fields.Fetched = TimeAfter(rest, "\"fetched_at\":"u8);
                    fields.FilesRemoved = TimeAfter(rest, "\"files_removed_at\":"u8) != 0;
                    return Summary(fields);
                }
            }
        }
        catch (JsonException)
        {
            // read it the slow way below, which says what is wrong
        }
        var full = new Utf8JsonReader(json);
        full.Read();
        return Read(ref full, names);
    }

    /// <param name="reader">Positioned on the item's StartObject; left on its EndObject.</param>
    /// <exception cref="JsonException">Not an item, or an item without id, client, conversion type, creation time or status.</exception>
    public static ItemSummary Read(ref Utf8JsonReader reader, NameTable names) => Summary(ReadFields(ref reader, names, stopAtStatus: false));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    private static Fields ReadFields(ref Utf8JsonReader reader, NameTable names, bool stopAtStatus)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("an item must be an object");
        var fields = new Fields { Client = -1, Type = -1, OutputSize = -1 };
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            if (name.SequenceEqual("item_id"u8)) fields.Id = reader.GetGuid();
            else if (name.SequenceEqual("client_id"u8)) fields.Client = Number(ref reader, names);
            else if (name.SequenceEqual("conversion_type"u8)) fields.Type = Number(ref reader, names);
            else if (name.SequenceEqual("created_at"u8)) fields.Created = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("queued_at"u8)) fields.Queued = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("sha512_checksum"u8)) fields.Sha = reader.ValueIsEscaped ? ShaPrefix.Of(reader.GetString()!) : ShaPrefix.Of(reader.ValueSpan);
            else if (name.SequenceEqual("original_file_name"u8)) fields.Name = reader.GetString();
            else if (name.SequenceEqual("file_size"u8)) fields.Size = reader.GetInt64();
            else if (name.SequenceEqual("version"u8)) fields.Version = reader.GetInt64();
            else if (name.SequenceEqual("status"u8))
            {
                fields.Status = ItemStatuses.TryParse(reader.GetString(), out var parsed) ? parsed : throw new JsonException("unknown status");
                if (stopAtStatus) break;
            }
            else if (name.SequenceEqual("output"u8)) fields.OutputSize = OutputSize(ref reader);
            else if (name.SequenceEqual("finished_at"u8)) fields.Finished = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("fetched_at"u8)) fields.Fetched = reader.GetDateTimeOffset().UtcTicks;
            else if (name.SequenceEqual("files_removed_at"u8)) fields.FilesRemoved = reader.GetDateTimeOffset() != default;
            else if (name.SequenceEqual("source"u8)) fields.Source = SourceKey(ref reader);
            else reader.Skip();
        }
        return fields;
    }

    private static ItemSummary Summary(Fields f)
    {
        if (f.Id is null || f.Client < 0 || f.Type < 0 || f.Created is null || f.Status is null)
            throw new JsonException("an item lacks item_id, client_id, conversion_type, created_at or status");
        return new ItemSummary(f.Id.Value, f.Status.Value, f.Created.Value, f.Queued ?? f.Created.Value, f.Client, f.Type, f.Sha, f.Size, f.OutputSize, f.Version, f.Name ?? "",
            f.Finished, f.Fetched, f.FilesRemoved, f.Source);
    }

    /// <summary>The UTC ticks of the time a top-level property names (found by its name, as the version is), 0 when it is not there.</summary>
    private static long TimeAfter(ReadOnlySpan<byte> json, ReadOnlySpan<byte> property)
    {
        var at = json.IndexOf(property);
        if (at < 0) return 0;
        var reader = new Utf8JsonReader(json[(at + property.Length)..], isFinalBlock: false, state: default);
        return reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) ? time.UtcTicks : 0;
    }

    private static int Number(ref Utf8JsonReader reader, NameTable names)
    {
        Span<char> buffer = stackalloc char[256];
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return length <= buffer.Length ? names.Number(buffer[..reader.CopyString(buffer)]) : names.Number(reader.GetString()!);
    }

    /// <summary>The key of a source's url; reads up to the url only (the rest of the object may be skipped by the caller or not be there).</summary>
    private static UInt128 SourceKey(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("source must be an object");
        var depth = reader.CurrentDepth;
        UInt128 key = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var isUrl = reader.ValueTextEquals("url"u8);
            reader.Read();
            if (isUrl && reader.TokenType == JsonTokenType.String) key = SourceKeys.Of(reader.GetString()!);
            else if (!reader.TrySkip()) break;
        }
        return key;
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
