using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Api;

/// <summary>
/// <c>GET /api/items/{id}/thumbnail?w=&amp;h=</c>, the seed's thumbnail maker: a jpeg of a video or picture item, made
/// once per size by <see cref="FrameGrabber"/> and kept in the item's folder.
/// </summary>
public static class ThumbnailEndpoint
{
    public const int MinSide = 16;
    public const int MaxSide = 3840;
    public const int DefaultWidth = 320;

    public static async Task<IResult> GetAsync(Guid itemId, int? w, int? h, ItemStore store, DataFolder data, IFileSystem files,
        FrameGrabber grabber, BrokerSettings settings, CancellationToken cancellationToken)
    {
        if (w is < MinSide or > MaxSide || h is < MinSide or > MaxSide)
            return ProblemResponses.BadRequest($"w and h must be between {MinSide} and {MaxSide} pixels");
        if (w is null && h is null) w = DefaultWidth;

        var answer = await store.WithItemFolderAsync<IResult>(itemId, async (item, folder) =>
        {
            if (item.Media?.Type is not (MediaTypes.Video or MediaTypes.Image))
                return NoThumbnail(StatusCodes.Status415UnsupportedMediaType, "only video and image items have thumbnails");
            var cached = files.Path.Combine(folder, ItemFiles.Thumbnail(w ?? 0, h ?? 0));
            if (!files.File.Exists(cached))
            {
                if (SourceOf(item, folder, files, settings) is not { } source)
                    return NoThumbnail(StatusCodes.Status409Conflict, "the item has no file left to take a picture from");
                // Made in incoming/ and moved in when complete: an item folder never holds a half-made thumbnail.
                var temporary = files.Path.Combine(data.Incoming, $".{files.Path.GetFileName(cached)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
                try
                {
                    if (!await grabber.GrabAsync(item.Media, source, temporary, w, h, cancellationToken)
                        || !files.File.Exists(temporary) || files.FileInfo.New(temporary).Length == 0)
                        return NoThumbnail(StatusCodes.Status422UnprocessableEntity, "ffmpeg could not take a picture from this item");
                    files.File.Move(temporary, cached, overwrite: true);
                }
                finally
                {
                    files.File.Delete(temporary);
                }
            }
            // Opened while the item cannot move; the open stream stays valid whatever happens to the folder after.
            return TypedResults.Stream(files.File.OpenRead(cached), "image/jpeg");
        }, cancellationToken);
        return answer ?? ProblemResponses.NotFound(itemId);
    }

    private static string? SourceOf(Item item, string folder, IFileSystem files, BrokerSettings settings)
    {
        var input = files.Path.Combine(folder, ItemFiles.Input);
        if (files.File.Exists(input)) return input;
        var output = settings.Profile(item.ConversionType) is { } profile ? files.Path.Combine(folder, ItemFiles.Output(profile.OutputExtension)) : null;
        return output is not null && files.File.Exists(output) ? output : null;
    }

    private static IResult NoThumbnail(int statusCode, string detail) => TypedResults.Problem(detail, statusCode: statusCode, title: "No thumbnail");
}
