using System.Globalization;
using System.Text.Json;
using FFMpegCore;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Media;

/// <summary>
/// Reads ffprobe's JSON (<c>-show_format -show_streams -of json</c>) into FFMpegCore's analysis model and decides what
/// kind of media it is. Pure: the same answer for the same text.
/// </summary>
public static class ProbeReport
{
    // ffprobe versions differ in whether some numbers are quoted; either is read.
    private static readonly JsonSerializerOptions Tolerant = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString };

    /// <returns>The media found, or an explanation a person understands of why the file is not usable.</returns>
    public static ProbeOutcome Parse(string json)
    {
        FFProbeAnalysis? analysis;
        try
        {
            analysis = JsonSerializer.Deserialize<FFProbeAnalysis>(json, Tolerant);
        }
        catch (JsonException)
        {
            return new ProbeOutcome(null, "ffprobe gave no readable answer for this file");
        }
        if (analysis?.Format?.FormatName is not { } container)
            return new ProbeOutcome(null, "this is not a media file ffmpeg can read");

        var streams = new List<MediaBroker.Shared.Items.MediaStream>();
        var hasMovingVideo = false;
        var hasAudio = false;
        int? width = null, height = null;
        foreach (var stream in analysis.Streams ?? [])
        {
            var type = stream.CodecType ?? "unknown";
            // A cover picture (in a music file, an mp4 or an mkv) is a video stream of one frame; it does not make the
            // file a video, and a conversion must copy it as a picture, not encode it as a second video track.
            var coverArt = type == "video" && stream.Disposition?.GetValueOrDefault("attached_pic") == 1;
            streams.Add(new MediaBroker.Shared.Items.MediaStream(stream.Index, type, stream.CodecName, Tag(stream.Tags, "language"), Tag(stream.Tags, "title"), coverArt));
            if (type == "audio") hasAudio = true;
            if (type != "video") continue;
            if (!coverArt) hasMovingVideo = true;
            if (width is null || !coverArt)
            {
                width = stream.Width ?? width;
                height = stream.Height ?? height;
            }
        }

        var mediaType = AllowedInputFormats.IsImageFormat(container) && width is not null ? MediaTypes.Image
            : hasMovingVideo ? MediaTypes.Video
            : hasAudio ? MediaTypes.Audio
            : null;
        if (mediaType is null)
            return new ProbeOutcome(null, "the file holds no audio, image or video stream");

        return new ProbeOutcome(new MediaInfo
        {
            Type = mediaType,
            Container = container,
            DurationSeconds = mediaType == MediaTypes.Image ? null : Seconds(analysis.Format.Duration),
            Width = mediaType == MediaTypes.Audio ? null : width,
            Height = mediaType == MediaTypes.Audio ? null : height,
            Streams = streams,
        }, null);
    }

    private static string? Tag(IReadOnlyDictionary<string, string>? tags, string name) =>
        tags?.FirstOrDefault(tag => tag.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static double? Seconds(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && number >= 0
            ? number : null;
}
