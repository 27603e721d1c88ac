using System.Globalization;
using MediaBroker.Broker.Api;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Shared.Transfers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>
/// tus 1.0 at <c>/api/uploads/</c>: core, creation, creation-with-upload, termination, expiration and checksum.
/// Upload-Metadata carries <c>filename</c>, <c>conversion_type</c>, the whole file's <c>sha512</c> (hex) and
/// optionally <c>client_id</c> and <c>directory</c> (the library folder); when the last byte arrives the upload
/// becomes an item, and the answer to that PATCH (and every later HEAD) names it in <c>MediaBroker-Item-Id</c>.
/// </summary>
public static class TusApi
{
    private const string Root = "/api/uploads";

    public static IEndpointRouteBuilder MapTusUploads(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup(Root).ForClientsOnly().AddEndpointFilter(RequireTusVersion).WithTags("Uploads (tus)");
        const string id = "/{uploadId:regex(^[0-9a-f]{{32}}$)}";
        uploads.MapMethods("/", [HttpMethods.Options], Options)
            .WithSummary("tus: what this broker supports")
            .WithDescription("The tus version, extensions, largest upload (max_upload_bytes) and checksum algorithms, in headers.")
            .Produces(StatusCodes.Status204NoContent)
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.Version, TusProtocol.Version)
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.Extension, TusProtocol.Extensions)
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.MaxSize, "max_upload_bytes.")
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.ChecksumAlgorithm, TusProtocol.ChecksumAlgorithms);
        uploads.MapGet("/", FindUnfinished)
            .WithSummary("Find unfinished uploads of a file")
            .WithDescription("Beyond tus: the unfinished uploads of this content by this client, furthest first, so that a client that lost an upload's "
                + "address (a crash between creating it and recording it) resumes it instead of starting over.")
            .Query("sha512", "The whole file's sha512, 128 hex digits.", required: true)
            .Query("client_id", "Whose uploads (an admin token; a client token's are its own).")
            .Produces<List<UnfinishedUpload>>(StatusCodes.Status200OK)
            .Problems(StatusCodes.Status400BadRequest);
        uploads.MapPost("/", CreateAsync)
            .WithSummary("tus: create an upload")
            .WithDescription("Creates an upload of Upload-Length bytes; with Content-Type application/offset+octet-stream the first bytes may come along "
                + "(creation-with-upload). The address is in Location. An upload without a byte for upload_expiry_hours expires.")
            .TusRequestHeaders()
            .Header(TusProtocol.Headers.Length, "The file's size in bytes (deferred lengths are not supported).", required: true)
            .Header(TusProtocol.Headers.Metadata, "Comma-separated 'key base64(value)' pairs: filename, conversion_type, sha512 (hex, of the whole file), client_id, "
                + "directory (the library folder the output is also placed in).")
            .Header(TusProtocol.Headers.Checksum, "With a body: ALGORITHM BASE64 of that body (sha1, sha256 or sha512).")
            .Body("Optionally, the first bytes of the file.", false, (TusProtocol.OffsetContentType, OpenApiMetadata.Binary()))
            .Produces(StatusCodes.Status201Created)
            .ResponseHeader(StatusCodes.Status201Created, "Location", "The upload's address.")
            .ResponseHeader(StatusCodes.Status201Created, TusProtocol.Headers.Expires, "When the upload expires without a byte (RFC 7231 date).")
            .ResponseHeader(StatusCodes.Status201Created, TusProtocol.Headers.Offset, "With a body: the bytes stored.")
            .ResponseHeader(StatusCodes.Status201Created, TusProtocol.ItemIdHeader, "When the body completed the upload: the item it became.")
            .TusProblems(StatusCodes.Status400BadRequest, StatusCodes.Status408RequestTimeout, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status429TooManyRequests,
                TusProtocol.ChecksumMismatch, StatusCodes.Status507InsufficientStorage);
        uploads.MapMethods(id, [HttpMethods.Head], Head)
            .WithSummary("tus: where an upload stands")
            .WithDescription("The upload's offset and length, and once complete the item it became.")
            .TusRequestHeaders()
            .PathParameter("uploadId", "The upload's id (32 hex digits), from its Location.")
            .Produces(StatusCodes.Status200OK)
            .ResponseHeader(StatusCodes.Status200OK, TusProtocol.Headers.Offset, "The bytes stored.")
            .ResponseHeader(StatusCodes.Status200OK, TusProtocol.Headers.Length, "The file's size.")
            .ResponseHeader(StatusCodes.Status200OK, TusProtocol.Headers.Metadata, "As sent at creation.")
            .ResponseHeader(StatusCodes.Status200OK, TusProtocol.Headers.Expires, "When the upload expires without a byte.")
            .ResponseHeader(StatusCodes.Status200OK, TusProtocol.ItemIdHeader, "Once complete: the item it became.")
            .TusProblems(StatusCodes.Status404NotFound);
        uploads.MapMethods(id, [HttpMethods.Patch], PatchAsync)
            .WithSummary("tus: append bytes to an upload")
            .WithDescription("Appends the body at Upload-Offset, which must be the upload's offset (409 otherwise: ask with HEAD). The PATCH that "
                + "brings the last byte makes the upload an item, named in MediaBroker-Item-Id; the item may still be refused (415, 422).")
            .TusRequestHeaders()
            .PathParameter("uploadId", "The upload's id (32 hex digits), from its Location.")
            .Header(TusProtocol.Headers.Offset, "The offset this body starts at.", required: true)
            .Header(TusProtocol.Headers.Checksum, "ALGORITHM BASE64 of this body (sha1, sha256 or sha512); 460 when it does not match.")
            .Body("The next bytes of the file.", true, (TusProtocol.OffsetContentType, OpenApiMetadata.Binary()))
            .Produces(StatusCodes.Status204NoContent)
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.Offset, "The bytes stored.")
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.Headers.Expires, "When the upload expires without a byte.")
            .ResponseHeader(StatusCodes.Status204NoContent, TusProtocol.ItemIdHeader, "Once complete: the item it became.")
            .TusProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status408RequestTimeout, StatusCodes.Status409Conflict,
                StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity,
                StatusCodes.Status423Locked, TusProtocol.ChecksumMismatch, StatusCodes.Status507InsufficientStorage);
        uploads.MapDelete(id, Terminate)
            .WithSummary("tus: cancel an upload")
            .WithDescription("Removes an unfinished upload and its bytes (termination).")
            .TusRequestHeaders()
            .PathParameter("uploadId", "The upload's id (32 hex digits), from its Location.")
            .Produces(StatusCodes.Status204NoContent)
            .TusProblems(StatusCodes.Status404NotFound, StatusCodes.Status423Locked);
        return app;
    }

    private static RouteHandlerBuilder TusRequestHeaders(this RouteHandlerBuilder builder) => builder
        .Header(TusProtocol.Headers.Resumable, $"{TusProtocol.Version}: the only tus version this broker speaks (412 otherwise).", required: true)
        .Header(TusProtocol.Headers.MethodOverride, "PATCH, DELETE or HEAD, for a client that can only send POST.");

    // Every tus request but OPTIONS and GET may be refused for its Tus-Resumable.
    private static RouteHandlerBuilder TusProblems(this RouteHandlerBuilder builder, params int[] statuses) =>
        builder.Problems([.. statuses, StatusCodes.Status412PreconditionFailed]);

    /// <summary>tus lets clients that cannot send PATCH or DELETE send a POST with X-HTTP-Method-Override; applied before routing.</summary>
    public static IApplicationBuilder UseTusMethodOverride(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(Root)
            && request.Headers[TusProtocol.Headers.MethodOverride].ToString() is { Length: > 0 } method
            && method.ToUpperInvariant() is "PATCH" or "DELETE" or "HEAD")
            request.Method = method.ToUpperInvariant();
        return next(context);
    });

    private static async ValueTask<object?> RequireTusVersion(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        context.Response.Headers[TusProtocol.Headers.Resumable] = TusProtocol.Version;
        var plainHttp = HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsGet(context.Request.Method);
        if (!plainHttp && context.Request.Headers[TusProtocol.Headers.Resumable] != TusProtocol.Version)
        {
            context.Response.Headers[TusProtocol.Headers.Version] = TusProtocol.Version;
            return TypedResults.Problem($"send the header Tus-Resumable: {TusProtocol.Version}; it is the only tus version this broker speaks",
                statusCode: StatusCodes.Status412PreconditionFailed, title: "Unsupported tus version");
        }
        return await next(invocation);
    }

    private static IResult Options(HttpContext context, BrokerSettings settings)
    {
        var headers = context.Response.Headers;
        headers[TusProtocol.Headers.Version] = TusProtocol.Version;
        headers[TusProtocol.Headers.Extension] = TusProtocol.Extensions;
        headers[TusProtocol.Headers.MaxSize] = settings.MaxUploadBytes.ToString(CultureInfo.InvariantCulture);
        headers[TusProtocol.Headers.ChecksumAlgorithm] = TusProtocol.ChecksumAlgorithms;
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>GET /api/uploads?sha512=&amp;client_id=</c>, beyond tus: the unfinished uploads of this content by this client.
    /// A client that crashed between creating an upload and recording its address finds it again here instead of
    /// leaving it behind and starting over.
    /// </summary>
    private static IResult FindUnfinished(string? sha512, string? client_id, Caller caller, TusUploadStore uploads)
    {
        if (MediaBroker.Shared.Hashing.Sha512Hex.Normalize(sha512) is not { } sha) throw Rejection.Invalid("sha512 must be 128 hex digits");
        var clientId = caller.ClientIdFor(string.IsNullOrWhiteSpace(client_id) ? null : client_id) ?? ItemIngest.DefaultClientId;
        return TypedResults.Ok(uploads.All
            .Where(record => record.ItemId is null && record.Sha512 == sha && record.ClientId == clientId)
            .Select(record => new UnfinishedUpload($"{Root}/{record.UploadId}", uploads.OffsetOf(record), record.Length, record.ConversionType, record.ExpiresAt))
            .OrderByDescending(upload => upload.Offset)
            .ToList());
    }

    /// <summary>One entry of <see cref="FindUnfinished"/>.</summary>
    public sealed record UnfinishedUpload(string Location, long Offset, long Length, string? ConversionType, DateTimeOffset ExpiresAt);

    private static async Task<IResult> CreateAsync(HttpContext context, Caller caller, TusUploadStore uploads, ItemIngest ingest, TusCompletion completion,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!long.TryParse(request.Headers[TusProtocol.Headers.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            throw Rejection.Invalid("Upload-Length must give the file's size in bytes (deferred lengths are not supported)");
        var metadataHeader = request.Headers[TusProtocol.Headers.Metadata].ToString();
        var (metadata, problem) = TusProtocol.ParseMetadata(metadataHeader);
        if (metadata is null) throw Rejection.Invalid(problem!);
        var claims = ingest.CheckClaims(metadata.GetValueOrDefault("filename") ?? metadata.GetValueOrDefault("name"),
            metadata.GetValueOrDefault("conversion_type"), metadata.GetValueOrDefault("sha512"), caller.ClientIdFor(metadata.GetValueOrDefault("client_id")),
            metadata.GetValueOrDefault("directory"));

        var record = await uploads.CreateAsync(length, metadataHeader, claims, cancellationToken);
        context.Response.Headers.Location = $"{Root}/{record.UploadId}";
        context.Response.Headers[TusProtocol.Headers.Expires] = TusProtocol.FormatDate(record.ExpiresAt);

        // creation-with-upload: the first bytes may come with the creation itself.
        if (request.ContentType == TusProtocol.OffsetContentType && (request.ContentLength > 0 || request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            using var held = uploads.TryLock(record.UploadId)!;
            long offset;
            try
            {
                offset = await AppendAsync(context, uploads, completion, record, 0, cancellationToken);
            }
            catch (Rejection)
            {
                // The creation is refused as a whole (a body past Upload-Length, a wrong Upload-Checksum...): the client
                // learns no address, so an upload kept would only wait a day for its expiry. A connection broken off
                // is no refusal: that upload stays, resumable from what arrived.
                uploads.Remove(record.UploadId);
                context.Response.Headers.Remove(HeaderNames.Location);
                context.Response.Headers.Remove(TusProtocol.Headers.Expires);
                throw;
            }
            context.Response.Headers[TusProtocol.Headers.Offset] = offset.ToString(CultureInfo.InvariantCulture);
        }
        return TypedResults.StatusCode(StatusCodes.Status201Created);
    }

    private static IResult Head(string uploadId, Caller caller, HttpContext context, TusUploadStore uploads)
    {
        if (uploads.Visible(uploadId, caller) is not { } record) return NotFound(uploadId);
        var headers = context.Response.Headers;
        headers[TusProtocol.Headers.Offset] = uploads.OffsetOf(record).ToString(CultureInfo.InvariantCulture);
        headers[TusProtocol.Headers.Length] = record.Length.ToString(CultureInfo.InvariantCulture);
        if (record.Metadata.Length > 0) headers[TusProtocol.Headers.Metadata] = record.Metadata;
        headers[TusProtocol.Headers.Expires] = TusProtocol.FormatDate(record.ExpiresAt);
        if (record.ItemId is { } itemId) headers[TusProtocol.ItemIdHeader] = itemId.ToString("D");
        headers.CacheControl = "no-store";
        return TypedResults.Ok();
    }

    private static async Task<IResult> PatchAsync(string uploadId, Caller caller, HttpContext context, TusUploadStore uploads, TusCompletion completion,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentType != TusProtocol.OffsetContentType)
            return TypedResults.Problem($"a PATCH carries Content-Type: {TusProtocol.OffsetContentType}",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Wrong content type");
        if (!long.TryParse(request.Headers[TusProtocol.Headers.Offset], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            throw Rejection.Invalid("Upload-Offset must give the offset this PATCH starts at");
        if (uploads.Visible(uploadId, caller) is not { } record) return NotFound(uploadId);

        using var held = uploads.TryLock(uploadId)
            ?? throw Rejection.Busy("another request is writing to this upload; try again once it is done");
        record = uploads.Get(uploadId) ?? throw Rejection.NoSuchUpload($"upload {uploadId} was removed meanwhile");
        var current = uploads.OffsetOf(record);
        if (offset != current)
        {
            context.Response.Headers[TusProtocol.Headers.Offset] = current.ToString(CultureInfo.InvariantCulture);
            throw Rejection.OffsetMismatch($"the upload is at offset {current}, not {offset}; ask with HEAD and send from there");
        }
        var newOffset = record.ItemId is null ? await AppendAsync(context, uploads, completion, record, offset, cancellationToken) : offset;
        context.Response.Headers[TusProtocol.Headers.Offset] = newOffset.ToString(CultureInfo.InvariantCulture);
        if (record.ItemId is { } itemId) context.Response.Headers[TusProtocol.ItemIdHeader] = itemId.ToString("D");
        return TypedResults.NoContent();
    }

    /// <summary>Appends the request body; when that was the last byte, makes the upload an item (which may still refuse it).</summary>
    private static async Task<long> AppendAsync(HttpContext context, TusUploadStore uploads, TusCompletion completion, TusUploadRecord record, long offset,
        CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        var settings = context.RequestServices.GetRequiredService<BrokerSettings>();
        using var body = new IdleTimeoutStream(context.Request.Body, TimeSpan.FromSeconds(settings.StalledRequestTimeoutSeconds),
            context.RequestServices.GetRequiredService<TimeProvider>());
        var (checksum, problem) = TusProtocol.ParseChecksum(context.Request.Headers[TusProtocol.Headers.Checksum]);
        if (problem is not null) throw Rejection.Invalid(problem);

        var newOffset = record.Length == offset ? offset
            : await uploads.AppendAsync(record, offset, body, context.Request.ContentLength, checksum, cancellationToken);
        var saved = uploads.Get(record.UploadId)!;
        context.Response.Headers[TusProtocol.Headers.Expires] = TusProtocol.FormatDate(saved.ExpiresAt);
        if (newOffset == record.Length)
        {
            var item = await completion.CompleteAsync(saved, cancellationToken);
            context.Response.Headers[TusProtocol.ItemIdHeader] = item.ItemId.ToString("D");
        }
        return newOffset;
    }

    private static IResult Terminate(string uploadId, Caller caller, TusUploadStore uploads)
    {
        if (uploads.Visible(uploadId, caller) is null) return NotFound(uploadId);
        using var held = uploads.TryLock(uploadId)
            ?? throw Rejection.Busy("another request is writing to this upload; try again once it is done");
        uploads.Remove(uploadId);
        return TypedResults.NoContent();
    }

    /// <summary>The upload when it exists and belongs to the caller (or the caller is an admin); another client's answers 404.</summary>
    private static TusUploadRecord? Visible(this TusUploadStore uploads, string uploadId, Caller caller) =>
        uploads.Get(uploadId) is { } record && caller.Sees(record.ClientId) ? record : null;

    private static IResult NotFound(string uploadId) =>
        TypedResults.Problem($"there is no upload {uploadId} (unfinished uploads expire after upload_expiry_hours without a byte)",
            statusCode: StatusCodes.Status404NotFound, title: "No such upload");
}
