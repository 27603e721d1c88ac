using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace MediaBroker.Broker.Api;

/// <summary>
/// <c>GET /api/items/{id}/output</c>: the converted file with Range and If-Range (held to RFC 9110 by
/// <see cref="RangeRequest"/>), its sha512 as ETag, and the same digest in <c>Repr-Digest</c> (RFC 9530) so a client
/// can verify the whole file after a resumed download.
/// </summary>
public static class OutputEndpoint
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>What the document says of a download (by token or by signed link): the file, a part of it, or why not.</summary>
    public static RouteHandlerBuilder DescribeOutput(this RouteHandlerBuilder builder, string summary, string description) => builder
        .WithSummary(summary)
        .WithDescription(description)
        .Header("Range", "bytes=FIRST-LAST (one range, or several as multipart/byteranges); a range in another unit is ignored.")
        .Header("If-Range", "The ETag or Last-Modified of the copy held: the Range counts only while the output is the same.")
        .Header("If-None-Match", "The ETag of the copy held: 304 while it is unchanged.")
        .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
        .ResponseHeader(StatusCodes.Status200OK, "ETag", "The output's sha512, quoted.")
        .ResponseHeader(StatusCodes.Status200OK, "Repr-Digest", "sha-512=:BASE64:, the whole output's digest (RFC 9530).")
        .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
        .ResponseHeader(StatusCodes.Status206PartialContent, "Content-Range", "The bytes sent, of the whole.")
        .Produces(StatusCodes.Status304NotModified)
        .Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status410Gone, StatusCodes.Status412PreconditionFailed,
            StatusCodes.Status416RangeNotSatisfiable);

    public static IResult Get(Guid itemId, Caller caller, HttpContext context, ItemStore store, TransferMeter meter) =>
        store.Visible(itemId, caller) is { } item ? Serve(item, context, store, meter) : ProblemResponses.NotFound(itemId);

    /// <summary>The output of an item the caller may fetch (by token or by signed link).</summary>
    /// <param name="meter">Counts the bytes sent (<c>mediabroker_served_bytes_total</c>).</param>
    public static IResult Serve(Item item, HttpContext context, ItemStore store, TransferMeter meter)
    {
        var itemId = item.ItemId;
        if (item.Status != ItemStatus.FinishedSuccessful || item.Output is not { } output)
            return ProblemResponses.Conflict($"the item is in {item.Status.WireName()}; its output is ready once it is in finished_successful");
        if (item.FilesRemovedAt is not null) return Gone(item);

        var extension = Path.GetExtension(output.FileName).TrimStart('.');
        FileStream stream;
        // Marked before the file is opened: the sweeper leaves the files of an output being downloaded.
        context.Response.RegisterForDispose(store.InUse.Use(itemId));
        try
        {
            stream = new FileStream(Path.Combine(store.FolderOf(item), ItemFiles.Output(extension)),
                FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted in the meantime, or its files removed a moment ago.
            return store.Get(itemId) is { FilesRemovedAt: not null } removed ? Gone(removed) : ProblemResponses.NotFound(itemId);
        }

        NoteFirstFetch(item, context, store);
        var digest = Sha512Hex.ToBase64(output.Sha512Checksum);
        context.Response.Headers["Repr-Digest"] = $"sha-512=:{digest}:";
        context.Response.Headers["Digest"] = $"sha-512={digest}";
        if (context.Response.Headers.CacheControl.Count == 0) context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        var etag = new EntityTagHeaderValue($"\"{output.Sha512Checksum}\"");
        RangeRequest.Normalize(context.Request, etag, item.UpdatedAt);
        return RangeRequest.WithProblemFor416(TypedResults.Stream(meter.Serving(stream),
            ContentTypes.TryGetContentType(output.FileName, out var contentType) ? contentType : "application/octet-stream",
            output.FileName,
            item.UpdatedAt,
            etag,
            enableRangeProcessing: true), stream.Length);
    }

    /// <summary>410: the output was on this broker, and was removed to free the disk (see Retention/FinishedFilesSweeper).</summary>
    private static ProblemHttpResult Gone(Item item) => TypedResults.Problem(item.FilesRemovedBecause == FilesRemovalReason.Fetched
            ? $"the output was removed from the broker at {item.FilesRemovedAt:u}, keep_finished_hours after its client said it placed it "
                + $"(at {item.FetchedAt:u}); it is in that client's library"
            : $"the output was removed from the broker at {item.FilesRemovedAt:u}: no client fetched it within keep_failed_days; "
                + "send the file again to convert it anew",
        statusCode: StatusCodes.Status410Gone, title: "Output removed");

    /// <summary>
    /// The first download of an output ends the item's last phase, waiting to be fetched: recorded once the response
    /// went out whole, off the download's path.
    /// </summary>
    private static void NoteFirstFetch(Item item, HttpContext context, ItemStore store)
    {
        if (item.Timings?.WaitingToBeFetchedSeconds is not null || item.FinishedAt is not { } finished || !HttpMethods.IsGet(context.Request.Method)) return;
        var asked = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        context.Response.OnCompleted(async () =>
        {
            if (context.RequestAborted.IsCancellationRequested) return;
            await store.UpdateAsync(item.ItemId, current => current.Status == ItemStatus.FinishedSuccessful && current.FinishedAt == finished
                && current.Timings?.WaitingToBeFetchedSeconds is null
                    ? current with { Timings = (current.Timings ?? new ItemTimings()) with { WaitingToBeFetchedSeconds = Math.Max(0, (asked - finished).TotalSeconds) } }
                    : null);
        });
    }
}
