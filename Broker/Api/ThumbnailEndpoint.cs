using System.IO.Abstractions;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Api;

/// <summary>
/// <c>GET /api/items/{id}/thumbnail?w=&amp;h=</c>, the seed's thumbnail maker: a jpeg of a video or picture item that fits
/// in a square of one of <see cref="ThumbnailSizes.Steps"/>, made by <see cref="ThumbnailMaker"/> and kept in the
/// <see cref="ThumbnailCache"/>.
/// </summary>
/// <remarks>
/// The thumbnail is made without the item's lock, which would hold up the item's conversion for as long as that takes:
/// a state change may move the folder meanwhile. A file already opened is unaffected by that; one moved before it was
/// opened fails the attempt, and the picture is taken again from where the item is now.
/// </remarks>
public static class ThumbnailEndpoint
{
    public const int MinSide = 16;
    public const int MaxSide = 3840;
    private const int Attempts = 3;

    /// <summary>What the item's folder offers: a file to take the thumbnail from, or why there is none.</summary>
    private sealed record Look(Item Item, string? Source, IResult? Refusal);

    public static async Task<IResult> GetAsync(Guid itemId, int? w, int? h, Caller caller, ItemStore store, IFileSystem files, ThumbnailMaker maker,
        ThumbnailCache cache, BrokerSettings settings, CancellationToken cancellationToken)
    {
        if (w is < MinSide or > MaxSide || h is < MinSide or > MaxSide)
            return ProblemResponses.BadRequest($"w and h must be between {MinSide} and {MaxSide} pixels");
        var side = ThumbnailSizes.Snap(w, h);
        if (store.Visible(itemId, caller) is null) return ProblemResponses.NotFound(itemId);

        for (var attempt = 1; ; attempt++)
        {
            var look = await store.WithItemFolderAsync(itemId, (item, folder) => Task.FromResult(LookInto(item, folder, files, settings)), cancellationToken);
            if (look is null) return ProblemResponses.NotFound(itemId);
            if (look.Refusal is { } refusal) return refusal;
            if (cache.TryOpen(itemId, side) is { } kept) return Jpeg(kept);

            var temporary = cache.TemporaryPath(itemId, side);
            try
            {
                if (await maker.MakeAsync(look.Item.Media!, look.Source!, temporary, side, cancellationToken)
                    && files.File.Exists(temporary) && files.FileInfo.New(temporary).Length > 0)
                {
                    // Deleted meanwhile: its thumbnail must not outlive it.
                    if (store.Get(itemId) is null) return ProblemResponses.NotFound(itemId);
                    return Jpeg(cache.Add(itemId, side, temporary));
                }
            }
            catch (ThumbnailsBusyException busy)
            {
                return TypedResults.Problem(busy.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy");
            }
            finally
            {
                files.File.Delete(temporary);
            }
            if (store.Get(itemId) is null) return ProblemResponses.NotFound(itemId);
            if (attempt == Attempts || store.Get(itemId)!.Version == look.Item.Version)
                return NoThumbnail(StatusCodes.Status422UnprocessableEntity, "no picture could be taken from this item");
            // The item changed (its folder moved) while the thumbnail was made: try again where it is now.
        }
    }

    private static IResult Jpeg(Stream stream) => TypedResults.Stream(stream, "image/jpeg");

    private static Look LookInto(Item item, string folder, IFileSystem files, BrokerSettings settings)
    {
        if (item.Media?.Type is not (MediaTypes.Video or MediaTypes.Image))
            return new Look(item, null, NoThumbnail(StatusCodes.Status415UnsupportedMediaType, "only video and image items have thumbnails"));
        return SourceOf(item, folder, files, settings) is { } source
            ? new Look(item, source, null)
            : new Look(item, null, NoThumbnail(StatusCodes.Status409Conflict, "the item has no file left to take a picture from"));
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
