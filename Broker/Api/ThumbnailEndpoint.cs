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
/// <remarks>
/// ffmpeg runs without the item's lock, which would hold up the item's conversion for as long as ffmpeg takes (up to a
/// minute): a state change may move the folder meanwhile. A file ffmpeg has opened is unaffected by that; one moved
/// before ffmpeg opened it fails the attempt, and the picture is taken again from where the item is now.
/// </remarks>
public static class ThumbnailEndpoint
{
    public const int MinSide = 16;
    public const int MaxSide = 3840;
    public const int DefaultWidth = 320;
    private const int Attempts = 3;

    /// <summary>What the item's folder offers: a thumbnail made before, a file to take one from, or why there is none.</summary>
    private sealed record Look(Item Item, string? Cached, string? Source, IResult? Refusal);

    public static async Task<IResult> GetAsync(Guid itemId, int? w, int? h, ItemStore store, DataFolder data, IFileSystem files,
        FrameGrabber grabber, BrokerSettings settings, CancellationToken cancellationToken)
    {
        if (w is < MinSide or > MaxSide || h is < MinSide or > MaxSide)
            return ProblemResponses.BadRequest($"w and h must be between {MinSide} and {MaxSide} pixels");
        if (w is null && h is null) w = DefaultWidth;
        var name = ItemFiles.Thumbnail(w ?? 0, h ?? 0);

        for (var attempt = 1; ; attempt++)
        {
            var look = await store.WithItemFolderAsync(itemId, (item, folder) => Task.FromResult(LookInto(item, folder, name, files, settings)), cancellationToken);
            if (look is null) return ProblemResponses.NotFound(itemId);
            if (look.Refusal is { } refusal) return refusal;
            if (look.Cached is { } cached && TryOpen(files, cached) is { } image) return TypedResults.Stream(image, "image/jpeg");

            // Made in incoming/ and moved in when complete: an item folder never holds a half-made thumbnail.
            var temporary = files.Path.Combine(data.Incoming, $".{name}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
            try
            {
                if (look.Source is { } source && await grabber.GrabAsync(look.Item.Media!, source, temporary, w, h, cancellationToken)
                    && files.File.Exists(temporary) && files.FileInfo.New(temporary).Length > 0)
                {
                    var placed = await store.WithItemFolderAsync(itemId, (_, folder) =>
                    {
                        var target = files.Path.Combine(folder, name);
                        files.File.Move(temporary, target, overwrite: true);
                        return Task.FromResult(TryOpen(files, target));
                    }, cancellationToken);
                    if (placed is not null) return TypedResults.Stream(placed, "image/jpeg");
                }
            }
            finally
            {
                files.File.Delete(temporary);
            }
            if (store.Get(itemId) is null) return ProblemResponses.NotFound(itemId);
            if (attempt == Attempts || store.Get(itemId)!.Version == look.Item.Version)
                return NoThumbnail(StatusCodes.Status422UnprocessableEntity, "ffmpeg could not take a picture from this item");
            // The item changed (its folder moved) while ffmpeg looked: try again where it is now.
        }
    }

    private static Look LookInto(Item item, string folder, string name, IFileSystem files, BrokerSettings settings)
    {
        if (item.Media?.Type is not (MediaTypes.Video or MediaTypes.Image))
            return new Look(item, null, null, NoThumbnail(StatusCodes.Status415UnsupportedMediaType, "only video and image items have thumbnails"));
        var cached = files.Path.Combine(folder, name);
        if (files.File.Exists(cached)) return new Look(item, cached, null, null);
        return SourceOf(item, folder, files, settings) is { } source
            ? new Look(item, null, source, null)
            : new Look(item, null, null, NoThumbnail(StatusCodes.Status409Conflict, "the item has no file left to take a picture from"));
    }

    private static string? SourceOf(Item item, string folder, IFileSystem files, BrokerSettings settings)
    {
        var input = files.Path.Combine(folder, ItemFiles.Input);
        if (files.File.Exists(input)) return input;
        var output = settings.Profile(item.ConversionType) is { } profile ? files.Path.Combine(folder, ItemFiles.Output(profile.OutputExtension)) : null;
        return output is not null && files.File.Exists(output) ? output : null;
    }

    /// <summary>Open, the stream stays valid whatever happens to the folder after; null when it moved first.</summary>
    private static Stream? TryOpen(IFileSystem files, string path)
    {
        try { return files.File.OpenRead(path); }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    private static IResult NoThumbnail(int statusCode, string detail) => TypedResults.Problem(detail, statusCode: statusCode, title: "No thumbnail");
}
