using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>A thumbnail, or why there is none (with the HTTP status that says so).</summary>
public sealed record ThumbnailResult(Stream? Image, int StatusCode, string? Problem);

/// <summary>
/// The seed's thumbnail maker: a jpeg frame of a video (a tenth into it, past black intros) or a scaled image,
/// made once per size and cached in the item's folder.
/// </summary>
public sealed class ThumbnailMaker(ItemStore store, DataFolder data, ProcessRunner runner, BrokerSettings settings)
{
    public const int MinSide = 16;
    public const int MaxSide = 3840;
    public const int DefaultWidth = 320;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string? CheckSize(int? width, int? height) =>
        width is < MinSide or > MaxSide || height is < MinSide or > MaxSide
            ? $"w and h must be between {MinSide} and {MaxSide} pixels"
            : null;

    public async Task<ThumbnailResult> GetAsync(Guid itemId, int? width, int? height, CancellationToken cancellationToken)
    {
        if (width is null && height is null) width = DefaultWidth;
        var result = await store.WithItemFolderAsync(itemId, async (item, folder) =>
        {
            if (item.Media?.Type is not (MediaTypes.Video or MediaTypes.Image))
                return new ThumbnailResult(null, StatusCodes.Status415UnsupportedMediaType, "only video and image items have thumbnails");
            var cached = Path.Combine(folder, ItemFiles.Thumbnail(width ?? 0, height ?? 0));
            if (!File.Exists(cached))
            {
                var source = SourceOf(item, folder);
                if (source is null)
                    return new ThumbnailResult(null, StatusCodes.Status409Conflict, "the item has no file left to take a picture from");
                var problem = await MakeAsync(item.Media, source, cached, width, height, cancellationToken);
                if (problem is not null)
                    return new ThumbnailResult(null, StatusCodes.Status422UnprocessableEntity, problem);
            }
            // Opened while the item cannot move; the open stream stays valid whatever happens to the folder after.
            return new ThumbnailResult(File.OpenRead(cached), StatusCodes.Status200OK, null);
        }, cancellationToken);
        return result ?? new ThumbnailResult(null, StatusCodes.Status404NotFound, $"there is no item {itemId} on this broker");
    }

    private string? SourceOf(Item item, string folder)
    {
        var input = Path.Combine(folder, ItemFiles.Input);
        if (File.Exists(input)) return input;
        var output = settings.Profile(item.ConversionType) is { } profile ? Path.Combine(folder, ItemFiles.Output(profile.OutputExtension)) : null;
        return output is not null && File.Exists(output) ? output : null;
    }

    private async Task<string?> MakeAsync(MediaInfo media, string source, string target, int? width, int? height, CancellationToken cancellationToken)
    {
        // Made in incoming/ and moved in when complete: an item folder never holds a half-made thumbnail.
        var temporary = Path.Combine(data.Incoming, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        var arguments = new List<string> { "-hide_banner", "-v", "error", "-y" };
        if (media.Type == MediaTypes.Video && media.DurationSeconds is > 0 and var duration)
            arguments.AddRange(["-ss", Math.Min(duration * 0.1, 10).ToString("0.###", CultureInfo.InvariantCulture)]);
        arguments.AddRange([.. InputSafety.Options, "-i", InputSafety.FileUrl(source),
            "-frames:v", "1", "-vf", ScaleFilter(width, height), "-q:v", "3", "-f", "mjpeg", InputSafety.FileUrl(temporary)]);
        try
        {
            var result = await runner.RunAsync(new ProcessRequest(settings.FfmpegPath, arguments) { Timeout = Timeout }, cancellationToken);
            if (!result.Succeeded || !File.Exists(temporary) || new FileInfo(temporary).Length == 0)
                return "ffmpeg could not take a picture from this item";
            File.Move(temporary, target, overwrite: true);
            return null;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string ScaleFilter(int? width, int? height)
    {
        static string Side(int? side) => side?.ToString(CultureInfo.InvariantCulture) ?? "-2";
        return width is not null && height is not null
            ? $"scale={Side(width)}:{Side(height)}:force_original_aspect_ratio=decrease:force_divisible_by=2"
            : $"scale={Side(width)}:{Side(height)}";
    }
}
