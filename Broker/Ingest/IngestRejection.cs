namespace MediaBroker.Broker.Ingest;

/// <summary>An upload (one-shot or resumable) the broker refuses; becomes a problem+json answer with this status and detail.</summary>
public sealed class IngestRejection(int statusCode, string title, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
    public string Title { get; } = title;

    public static IngestRejection TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the file is larger than this broker's max_upload_bytes ({limit} bytes)");

    public static IngestRejection ChecksumMismatch(string expected, string actual) =>
        new(StatusCodes.Status422UnprocessableEntity, "Checksum mismatch",
            $"the sha512 you sent ({expected}) does not match the bytes received ({actual}); nothing was kept");

    public static IngestRejection Unsupported(string detail) =>
        new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media", detail);

    public static IngestRejection InsufficientStorage(string detail) =>
        new(StatusCodes.Status507InsufficientStorage, "Not enough space", detail);

    public static IngestRejection BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IngestRejection NotFound(string detail) =>
        new(StatusCodes.Status404NotFound, "No such upload", detail);

    public static IngestRejection Conflict(string detail) =>
        new(StatusCodes.Status409Conflict, "Offset mismatch", detail);

    public static IngestRejection Locked(string detail) =>
        new(StatusCodes.Status423Locked, "Upload busy", detail);
}
