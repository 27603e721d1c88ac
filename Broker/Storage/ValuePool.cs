using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// One copy of each value that many items share: a client id, a conversion type, a container, a stream described
/// the same way ("video h264", "audio aac eng"). Read from JSON, every item brings its own copies; at 100,000 items
/// that is most of the broker's memory. Not thread-safe: used under the catalog's lock.
/// </summary>
public sealed class ValuePool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<MediaStream, MediaStream> _streams = [];

    public Item Compact(Item item) => item with
    {
        ClientId = Share(item.ClientId),
        ConversionType = Share(item.ConversionType),
        CurrentFileName = item.CurrentFileName == item.OriginalFileName ? item.OriginalFileName : item.CurrentFileName,
        Media = item.Media is { } media ? Compact(media) : null,
    };

    private MediaInfo Compact(MediaInfo media) => media with
    {
        Type = Share(media.Type),
        Container = Share(media.Container),
        Streams = media.Streams.Select(Compact).ToArray(),
    };

    private MediaStream Compact(MediaStream stream)
    {
        if (_streams.TryGetValue(stream, out var shared)) return shared;
        shared = stream with { Type = Share(stream.Type), Codec = ShareOrNull(stream.Codec), Language = ShareOrNull(stream.Language) };
        _streams[shared] = shared;
        return shared;
    }

    private string Share(string value)
    {
        if (_strings.TryGetValue(value, out var shared)) return shared;
        _strings[value] = value;
        return value;
    }

    private string? ShareOrNull(string? value) => value is null ? null : Share(value);
}
