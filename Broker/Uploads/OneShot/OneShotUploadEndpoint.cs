using System.Text;
using MediaBroker.Broker.Auth;
using System.Text.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Json;
using MediaBroker.Broker.Ingest;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Transfers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using MediaBroker.Broker.Api;
using Microsoft.OpenApi;

namespace MediaBroker.Broker.Uploads.OneShot;

/// <summary>
/// <c>POST /api/items</c>: a one-shot upload, either multipart (as browsers and <c>curl -F</c> send it) or a raw body
/// with the details in the query string (as <c>curl --data-binary</c> sends it). 201 for a new item, 200 for content the
/// broker already had. A JSON body is no upload but a link for the broker to fetch (<see cref="LinkItems"/>): one
/// route for every way to hand in an item, told apart by Content-Type.
/// </summary>
public static class OneShotUploadEndpoint
{
    private const int MaxFieldChars = 4096;
    // Fields besides the file: the five below need no more, and without a bound a body of endless small fields
    // (128 MiB of them raised memory by 230 MB) is read to its end before being refused for lacking a file.
    private const int MaxFields = 16;
    private static readonly string[] KnownFields = ["file_name", "conversion_type", "sha512_checksum", "client_id", "directory"];
    // Boundaries and part headers around the file; generous, so the early 413 only catches what is surely too big.
    private const long MultipartOverheadAllowance = 1 << 20;

    public const string DirectoryDescription = "The folder under the broker's library_path that the finished output is also placed in, "
        + "as 'Title.ext' (such as Movies/Holiday); relative, inside the library, with names every file system takes. 400 when the broker has no library.";

    /// <summary>What the OpenAPI document says of this route: the two forms of its body, and its refusals.</summary>
    public static RouteHandlerBuilder DescribeOneShotUpload(this RouteHandlerBuilder builder)
    {
        var form = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "file" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["file"] = OpenApiMetadata.Binary(),
                ["file_name"] = OpenApiMetadata.Text("The file's name, when not the part's own."),
                ["conversion_type"] = OpenApiMetadata.Text("What to convert to (GET /api/server lists them); the broker's default for the media type when left out."),
                ["sha512_checksum"] = OpenApiMetadata.Text("The file's sha512 (128 hex digits): checked against the bytes received, and lets the broker answer at once with an item it has."),
                ["client_id"] = OpenApiMetadata.Text("Whose item it is (an admin token; a client token's items are its own)."),
                ["directory"] = OpenApiMetadata.Text(DirectoryDescription),
            },
        };
        var link = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "url" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["url"] = OpenApiMetadata.Text("The http or https link to fetch: a media file, or a page yt-dlp reads. The broker's url_allow_list decides which hosts it may reach."),
                ["conversion_type"] = OpenApiMetadata.Text("What to convert to (GET /api/server lists them); the broker's default for video when left out."),
                ["directory"] = OpenApiMetadata.Text("The library folder the output is also placed in, relative to library_path (no '..', not absolute)."),
                ["client_id"] = OpenApiMetadata.Text("Whose item it is (an admin token; a client token's items are its own)."),
            },
        };
        return builder
            .WithSummary("Upload a file in one request, or hand in a link")
            .WithDescription("Multipart (as browsers and curl -F send it: a part named file, and the fields beside it), or the raw file as the body "
                + "(as curl --data-binary sends it) with the same fields in the query string. 201 with the new item; 200 with the existing item when "
                + "the same client handed in the same content for the same conversion type before. Up to max_upload_bytes; the file must be media "
                + "this broker converts. A JSON body {\"url\": ...} makes an item whose input the broker fetches itself: 201 at once, the item in "
                + "to_do with phase downloading (its progress in download) until the input is there, then converted as an upload; 200 with the "
                + "existing item when the same client handed in the same link for the same conversion type before.")
            .Body("The file: multipart/form-data, or the raw bytes; or a link to fetch, as JSON.", true,
                ("multipart/form-data", form), ("application/octet-stream", OpenApiMetadata.Binary()), ("application/json", link))
            .Query("file_name", "With a raw body: the file's name.")
            .Query("conversion_type", "With a raw body: what to convert to; the broker's default for the media type when left out, 400 naming the offered ones when unknown.")
            .Query("sha512_checksum", "With a raw body: the file's sha512 (128 hex digits); a known file is answered without reading the body.")
            .Query("client_id", "With a raw body: whose item it is (an admin token).")
            .Query("directory", "With a raw body: " + DirectoryDescription)
            .ResponseHeader(StatusCodes.Status201Created, "Location", "The new item's address.")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status408RequestTimeout, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status507InsufficientStorage);
    }

    public static async Task<Results<Created<Item>, Ok<Item>>> HandleAsync(
        HttpContext context, Caller caller, ItemIngest ingest, OneShotReceiver receiver, UploadLimits limits, BrokerSettings settings, TimeProvider time,
        LinkItems links, CancellationToken cancellationToken)
    {
        if (context.Request.HasJsonContentType())
        {
            var request = await ReadLinkAsync(context.Request, cancellationToken);
            var (added, isNew) = await links.AddAsync(request, caller.ClientIdFor(request.ClientId)?.Trim() is { Length: > 0 } client ? client : ItemIngest.DefaultClientId, cancellationToken);
            return isNew ? TypedResults.Created($"/api/items/{added.ItemId:D}", added) : TypedResults.Ok(added);
        }

        // max_upload_bytes is enforced while streaming, with a clear 413, instead of Kestrel's generic limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        using var body = new IdleTimeoutStream(context.Request.Body, TimeSpan.FromSeconds(settings.StalledRequestTimeoutSeconds), time);

        var (item, created) = TryGetBoundary(context.Request, out var boundary)
            ? await ReceiveMultipartAsync(context.Request, caller, body, boundary, ingest, receiver, limits, cancellationToken)
            : await ReceiveRawAsync(context.Request, caller, body, ingest, receiver, limits, cancellationToken);

        return created ? TypedResults.Created($"/api/items/{item.ItemId:D}", item) : TypedResults.Ok(item);
    }

    private static async Task<(Item, bool)> ReceiveRawAsync(HttpRequest request, Caller caller, Stream body, ItemIngest ingest, OneShotReceiver receiver,
        UploadLimits limits, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var claims = ingest.CheckClaims(query["file_name"], query["conversion_type"], query["sha512_checksum"], caller.ClientIdFor(query["client_id"]),
            query["directory"]);
        if (claims.Sha512 is { } sha && claims.ConversionType is { } type && ingest.FindExisting(claims, sha, type) is { } known)
            return (known, false); // the broker has it: no need to read a single byte
        if (request.ContentLength is { } length) limits.EnsureAllowedSize(length);
        var file = await receiver.ReceiveAsync(body, request.ContentLength, cancellationToken);
        return await ingest.IngestAsync(file, claims, cancellationToken);
    }

    private static async Task<(Item, bool)> ReceiveMultipartAsync(HttpRequest request, Caller caller, Stream body, string boundary, ItemIngest ingest,
        OneShotReceiver receiver, UploadLimits limits, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length) limits.EnsureAllowedSize(length - MultipartOverheadAllowance);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        StagedFile? file = null;
        string? fileName = null;
        try
        {
            var parts = new MultipartBody(body, boundary);
            var fieldCount = 0;
            while (await parts.NextPartAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    throw Rejection.Invalid("every multipart part needs a Content-Disposition: form-data header");
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name != "file")
                {
                    if (++fieldCount > MaxFields)
                        throw Rejection.Invalid($"a multipart upload carries at most {MaxFields} fields besides the file ({string.Join(", ", KnownFields)}; "
                            + "others are ignored, but count)");
                    var value = await ReadFieldAsync(parts.ContentOf(section), name, cancellationToken);
                    if (KnownFields.Contains(name)) fields[name] = value;
                    continue;
                }
                if (file is not null) throw Rejection.Invalid("send one file per upload");
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                // Claims sent before the file are checked before it is read.
                ingest.CheckClaims(fileName, fields.GetValueOrDefault("conversion_type"), fields.GetValueOrDefault("sha512_checksum"), caller.ClientIdFor(fields.GetValueOrDefault("client_id")),
                    fields.GetValueOrDefault("directory"));
                // The whole request's length is the file's bound: its room is claimed for that much.
                file = await receiver.ReceiveAsync(parts.ContentOf(section), request.ContentLength, cancellationToken);
            }
        }
        catch
        {
            file?.Discard();
            throw;
        }
        if (file is null) throw Rejection.Invalid("a multipart upload needs a part named 'file'");

        UploadClaims claims;
        try
        {
            claims = ingest.CheckClaims(fields.GetValueOrDefault("file_name") ?? fileName, fields.GetValueOrDefault("conversion_type"),
                fields.GetValueOrDefault("sha512_checksum"), caller.ClientIdFor(fields.GetValueOrDefault("client_id")), fields.GetValueOrDefault("directory"));
        }
        catch
        {
            file.Discard();
            throw;
        }
        return await ingest.IngestAsync(file, claims, cancellationToken);
    }

    private const int MaxLinkRequestBytes = 64 << 10;

    private static async Task<LinkRequest> ReadLinkAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxLinkRequestBytes) throw Rejection.Invalid($"a link request is at most {MaxLinkRequestBytes} bytes of JSON");
        // Read up to one byte past the bound, never more, whatever the body claims.
        var buffer = new byte[MaxLinkRequestBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0) length += read;
        if (length > MaxLinkRequestBytes) throw Rejection.Invalid($"a link request is at most {MaxLinkRequestBytes} bytes of JSON");
        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(0, length), WireJsonContext.Default.LinkRequest)
                ?? throw Rejection.Invalid("the body must be a JSON object like {\"url\": \"https://...\", \"conversion_type\": \"...\"}");
        }
        catch (JsonException)
        {
            throw Rejection.Invalid("the body is not JSON like {\"url\": \"https://...\", \"conversion_type\": \"...\", \"directory\": \"...\"}");
        }
    }

    private static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        var buffer = new char[MaxFieldChars + 1];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        if (read > MaxFieldChars) throw Rejection.Invalid($"the field '{name}' is longer than {MaxFieldChars} characters");
        return new string(buffer, 0, read);
    }

    private static bool TryGetBoundary(HttpRequest request, out string boundary)
    {
        boundary = "";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return false;
        boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value ?? "";
        if (boundary.Length is 0 or > 70) throw Rejection.Invalid("multipart/form-data needs a boundary of 1 to 70 characters");
        return true;
    }
}
