using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaBroker.Broker.Api;

/// <summary>
/// The items resource: upload, read, list, fetch the output, retry, delete, thumbnail, signed link. A client token sees
/// its own items only; another client's item answers 404, as if it did not exist.
/// </summary>
public static class ItemsApi
{
    public static IEndpointRouteBuilder MapItems(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/api/items").ForClientsOnly();
        items.MapPost("/", OneShotUploadEndpoint.HandleAsync);
        items.MapGet("/", List);
        items.MapGet("/{itemId:guid}", Get);
        items.MapMethods("/{itemId:guid}/output", [HttpMethods.Get, HttpMethods.Head], OutputEndpoint.Get);
        items.MapGet("/{itemId:guid}/thumbnail", ThumbnailEndpoint.GetAsync);
        items.MapPost("/{itemId:guid}/link", SignedLinks.CreateAsync);
        items.MapPost("/{itemId:guid}/retry", RetryAsync);
        items.MapDelete("/{itemId:guid}", DeleteAsync);
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
        var retried = await store.UpdateAsync(itemId, item => item.Status == ItemStatus.FinishedWithErrors
            ? item with { Status = ItemStatus.ToDo, Errors = [], Progress = null }
            : null, cancellationToken);
        if (retried is not null) return TypedResults.Ok(retried);
        return store.Get(itemId) is { } current
            ? ProblemResponses.Conflict($"only an item in finished_with_errors can be retried; this one is in {current.Status.WireName()}")
            : ProblemResponses.NotFound(itemId);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid itemId, Caller caller, ItemStore store, ConversionJobs jobs, ThumbnailCache thumbnails, CancellationToken cancellationToken)
    {
        if (store.Visible(itemId, caller) is null) return ProblemResponses.NotFound(itemId);
        await jobs.StopForDeletionAsync(itemId, cancellationToken);
        if (!await store.DeleteAsync(itemId, cancellationToken)) return ProblemResponses.NotFound(itemId);
        thumbnails.Forget(itemId);
        return TypedResults.NoContent();
    }
}
