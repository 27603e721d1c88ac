using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Retention;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;

namespace MediaBroker.Broker.Api;

/// <summary>
/// The items resource: upload, read, list, fetch the output, say it was placed, retry, delete, thumbnail, signed link. A client token sees
/// its own items only; another client's item answers 404, as if it did not exist.
/// </summary>
public static class ItemsApi
{
    public static IEndpointRouteBuilder MapItems(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/api/items").ForClientsOnly().WithTags("Items");
        items.MapPost("/", OneShotUploadEndpoint.HandleAsync).DescribeOneShotUpload();
        items.MapGet("/", List)
            .WithSummary("List items")
            .WithDescription("A page of the items the caller may see (a client token: its own), oldest first unless order=newest. "
                + "When the page is full, next_after names the item to continue after.")
            .Query("status", "Only items in this state: to_do, in_progress, finished_successful or finished_with_errors.")
            .Query("client_id", "Only this client's items (an admin token; a client token always sees its own only).")
            .Query("conversion_type", "Only items of this conversion type.")
            .Query("ids", $"Only these items: comma-separated ids, at most {ItemQuery.MaxLimit}.")
            .Query("sha512", "Only items whose input has this sha512 (128 hex digits).")
            .Query("after", "Continue after this item (the next_after of the previous page).", format: "uuid")
            .Query("q", "Only items whose file name contains this text (at most 200 characters, case-insensitive).")
            .Query("order", "oldest (the default) or newest first.")
            .Query("limit", $"Items per page, 1 to {ItemQuery.MaxLimit}.", JsonSchemaType.Integer)
            .Problems(StatusCodes.Status400BadRequest);
        items.MapGet("/{itemId:guid}", Get)
            .WithSummary("Get an item")
            .WithDescription("The item: its state, progress while converting, errors, input and output. Another client's item is 404, as if it did not exist.")
            .PathParameter("itemId", "The item's id.")
            .Problems(StatusCodes.Status404NotFound);
        items.MapMethods("/{itemId:guid}/output", [HttpMethods.Get, HttpMethods.Head], OutputEndpoint.Get).DescribeOutput(
            "Download an item's output",
            "The converted file, once the item is in finished_successful. Range and If-Range follow RFC 9110; the ETag is the output's sha512, "
            + "which Repr-Digest (RFC 9530) gives too, so a resumed download can be verified whole.")
            .PathParameter("itemId", "The item's id.");
        items.MapGet("/{itemId:guid}/thumbnail", ThumbnailEndpoint.GetAsync)
            .WithSummary("Get a thumbnail")
            .WithDescription("A jpeg of a video or picture item that fits in a square of w by h pixels (snapped to a few sizes), made once and kept.")
            .PathParameter("itemId", "The item's id.")
            .Query("w", $"Width to fit in, {ThumbnailEndpoint.MinSide} to {ThumbnailEndpoint.MaxSide} pixels.", JsonSchemaType.Integer)
            .Query("h", $"Height to fit in, {ThumbnailEndpoint.MinSide} to {ThumbnailEndpoint.MaxSide} pixels.", JsonSchemaType.Integer)
            .Produces<Stream>(StatusCodes.Status200OK, "image/jpeg")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType,
                StatusCodes.Status422UnprocessableEntity, StatusCodes.Status503ServiceUnavailable);
        items.MapPost("/{itemId:guid}/link", SignedLinks.CreateAsync)
            .WithSummary("Make a signed link to an item's output")
            .WithDescription("A URL under /links/ that fetches the output without a token until it expires, or until the token that made it is revoked.")
            .PathParameter("itemId", "The item's id.")
            .Query("expires_in", $"Seconds the link is valid, {SignedLinks.MinLifetimeSeconds} to {SignedLinks.MaxLifetimeSeconds} (30 days); "
                + $"{SignedLinks.DefaultLifetimeSeconds} (a day) when left out.", JsonSchemaType.Integer)
            .Produces<SignedLink>(StatusCodes.Status201Created)
            .ResponseHeader(StatusCodes.Status201Created, "Location", "The link.")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        items.MapPost("/{itemId:guid}/retry", RetryAsync)
            .WithSummary("Retry a failed item")
            .WithDescription("Puts an item in finished_with_errors back in to_do, its errors cleared; an item made from a link that was never "
                + "fetched is fetched again (phase downloading). Any other state is 409, and so is a failed item whose input was removed after "
                + "keep_failed_days (send the file again).")
            .PathParameter("itemId", "The item's id.")
            .Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        items.MapPost("/{itemId:guid}/fetched", MarkFetchedAsync)
            .WithSummary("Say an output was placed")
            .WithDescription("The caller placed the output and verified its sha512: the broker removes the item's input and output keep_finished_hours "
                + "later and keeps its record (fetched_at, then files_removed_at), so that the same content sent again is recognised, not converted "
                + "again. Saying it again changes nothing. An item not in finished_successful is 409.")
            .PathParameter("itemId", "The item's id.")
            .Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        items.MapDelete("/{itemId:guid}", DeleteAsync)
            .WithSummary("Delete an item")
            .WithDescription("Stops its conversion or the fetch of its link if one runs, and removes the item with its input, output and thumbnails. "
                + "Its file in the library (library_path) stays, for Plex or Jellyfin, unless library=true.")
            .PathParameter("itemId", "The item's id.")
            .Query("library", "true: remove the item's file from the library too, when it is still the item's output (the same file or the same bytes).",
                JsonSchemaType.Boolean)
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The item when it exists and the caller may see it; null answers 404 either way.</summary>
    public static Item? Visible(this ItemStore store, Guid itemId, Caller caller) =>
        store.Get(itemId) is { } item && caller.Sees(item) ? item : null;

    private static Results<Ok<Item>, ProblemHttpResult> Get(Guid itemId, Caller caller, ItemStore store) =>
        store.Visible(itemId, caller) is { } item ? TypedResults.Ok(item) : ProblemResponses.NotFound(itemId);

    private static Results<Ok<ItemPage>, ProblemHttpResult> List(HttpRequest request, Caller caller, ItemStore store)
    {
        var (query, problem) = ItemQueryParser.Parse(request.Query);
        return query is null ? ProblemResponses.BadRequest(problem!) : TypedResults.Ok(store.List(query with { ClientId = caller.ClientIdFor(query.ClientId) }));
    }

    private static async Task<Results<Ok<Item>, ProblemHttpResult>> RetryAsync(Guid itemId, Caller caller, ItemStore store, CancellationToken cancellationToken)
    {
        if (store.Visible(itemId, caller) is null) return ProblemResponses.NotFound(itemId);
        // An item whose link was never fetched goes back to await its input: the fetch is tried again.
        var retried = await store.UpdateAsync(itemId, item => item.Status == ItemStatus.FinishedWithErrors && item.FilesRemovedAt is null
            ? item with { Status = ItemStatus.ToDo, Errors = [], Progress = null, Phase = item.InputNeverFetched() ? ItemPhases.Downloading : null }
            : null, cancellationToken);
        if (retried is not null) return TypedResults.Ok(retried);
        return store.Get(itemId) switch
        {
            null => ProblemResponses.NotFound(itemId),
            { FilesRemovedAt: { } removed } => ProblemResponses.Conflict(
                $"its input was removed from the broker at {removed:u} (not retried within keep_failed_days); send the file again to convert it anew"),
            var current => ProblemResponses.Conflict($"only an item in finished_with_errors can be retried; this one is in {current.Status.WireName()}"),
        };
    }

    /// <summary>
    /// The client placed and verified the output: its files may go keep_finished_hours from now. The first time
    /// counts; saying it again (a client that did not hear the answer) returns the item unchanged.
    /// </summary>
    private static async Task<Results<Ok<Item>, ProblemHttpResult>> MarkFetchedAsync(
        Guid itemId, Caller caller, ItemStore store, FinishedFilesSweeper sweeper, TimeProvider time, CancellationToken cancellationToken)
    {
        if (store.Visible(itemId, caller) is null) return ProblemResponses.NotFound(itemId);
        var now = time.GetUtcNow();
        var marked = await store.UpdateAsync(itemId, item => item is { Status: ItemStatus.FinishedSuccessful, FetchedAt: null, FilesRemovedAt: null }
            ? item with { FetchedAt = now }
            : null, cancellationToken);
        if (marked is not null)
        {
            sweeper.OutputFetched();
            return TypedResults.Ok(marked);
        }
        return store.Get(itemId) switch
        {
            null => ProblemResponses.NotFound(itemId),
            { Status: ItemStatus.FinishedSuccessful } current => TypedResults.Ok(current),
            var current => ProblemResponses.Conflict(
                $"only an item in finished_successful has an output to fetch; this one is in {current.Status.WireName()}"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid itemId, HttpRequest request, Caller caller, ItemStore store,
        ConversionJobs jobs, LinkFetches fetches, ThumbnailCache thumbnails, LibraryPlacer library, CancellationToken cancellationToken)
    {
        if (store.Visible(itemId, caller) is null) return ProblemResponses.NotFound(itemId);
        var fromLibrary = request.Query["library"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            _ => (bool?)null,
        };
        if (fromLibrary is null) return ProblemResponses.BadRequest("library must be true (remove the library's file too) or false (the default: leave it)");
        await jobs.StopForDeletionAsync(itemId, cancellationToken);
        await fetches.StopForDeletionAsync(itemId, cancellationToken);
        if (fromLibrary.Value) await library.RemoveAsync(itemId, cancellationToken);
        if (!await store.DeleteAsync(itemId, cancellationToken)) return ProblemResponses.NotFound(itemId);
        thumbnails.Forget(itemId);
        return TypedResults.NoContent();
    }
}
