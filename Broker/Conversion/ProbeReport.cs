using System.Globalization;
using System.Text.Json;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>Reads ffprobe's JSON (<c>-show_format -show_streams -of json</c>) and decides what kind of media it is.</summary>
public static class ProbeReport
{
    /// <returns>The media found, or an explanation a person understands of why the file is not usable.</returns>
    public static (MediaInfo? Media, string? Problem) Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return (null, "ffprobe gave no readable answer for this file");
        }
        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("format", out var format) || String(format, "format_name") is not { } container)
                return (null, "this is not a media file ffmpeg can read");

            var streams = new List<MediaStream>();
            var hasMovingVideo = false;
            var hasAudio = false;
            int? width = null, height = null;
            if (root.TryGetProperty("streams", out var streamList))
            {
                foreach (var stream in streamList.EnumerateArray())
                {
                    var type = String(stream, "codec_type") ?? "unknown";
                    var tags = stream.TryGetProperty("tags", out var t) ? t : default;
                    streams.Add(new MediaStream(Int(stream, "index") ?? streams.Count, type, String(stream, "codec_name"),
                        Tag(tags, "language"), Tag(tags, "title")));
                    if (type == "audio") hasAudio = true;
                    if (type != "video") continue;
                    var coverArt = stream.TryGetProperty("disposition", out var disposition) && Int(disposition, "attached_pic") == 1;
                    if (!coverArt) hasMovingVideo = true;
                    if (width is null || !coverArt)
                    {
                        width = Int(stream, "width") ?? width;
                        height = Int(stream, "height") ?? height;
                    }
                }
            }

            var mediaType = AllowedInputFormats.IsImageFormat(container) && width is not null ? MediaTypes.Image
                : hasMovingVideo ? MediaTypes.Video
                : hasAudio ? MediaTypes.Audio
                : null;
            if (mediaType is null)
                return (null, "the file holds no audio, image or video stream");

            var duration = Double(format, "duration");
            return (new MediaInfo
            {
                Type = mediaType,
                Container = container,
                DurationSeconds = mediaType == MediaTypes.Image ? null : duration,
                Width = mediaType == MediaTypes.Audio ? null : width,
                Height = mediaType == MediaTypes.Audio ? null : height,
                Streams = streams,
            }, null);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;

    private static string? Tag(JsonElement tags, string name) =>
        tags.ValueKind == JsonValueKind.Object ? tags.EnumerateObject()
            .FirstOrDefault(tag => tag.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } value
            ? value.GetString() : null : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    private static double? Double(JsonElement element, string name) =>
        String(element, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number) && number >= 0 ? number : null;
}
