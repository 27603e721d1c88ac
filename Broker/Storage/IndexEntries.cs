using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Where each item's JSON starts in index.json, and the state it is listed under; the version and snapshot time on the
/// way. Files <see cref="IndexFile"/> wrote are read by their lines (fast, so that the items can be parsed in
/// parallel); any other valid layout (a file edited by hand) by one pass of the JSON reader.
/// </summary>
public static class IndexEntries
{
    /// <summary>Where one item's JSON object starts, and the state it is listed under.</summary>
    public readonly record struct Entry(ItemStatus Status, int Start);

    /// <summary>
    /// The fast way, for files this class wrote: a header line, then lines that are either exactly one item
    /// (<c>"id":{...}</c>, with a leading comma after the first) or only structure (closing one state's map, opening
    /// the next). Null when the file has another layout.
    /// </summary>
    public static List<Entry>? FindByLine(byte[] bytes, IndexDocument document)
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public static bool IsItemLine(ReadOnlySpan<byte> line, int lead) =>
        line.Length > lead + 40 && line[lead] == (byte)'"' && line.Slice(lead + 37, 3).SequenceEqual("\":{"u8) && line[^1] == (byte)'}'
        && System.Buffers.Text.Utf8Parser.TryParse(line.Slice(lead + 1, 36), out Guid _, out _, 'D');

    /// <summary>The first line: version, snapshot time, and the opening of the first state's map.</summary>
    public static bool ReadHeader(ReadOnlySpan<byte> header, IndexDocument document, out ItemStatus? open)
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public static bool FollowStructure(ReadOnlySpan<byte> line, ref ItemStatus? open)
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
    public static List<Entry> FindByParsing(byte[] bytes, IndexDocument document)
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
