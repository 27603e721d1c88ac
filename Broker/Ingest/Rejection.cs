namespace MediaBroker.Broker.Ingest;

/// <summary>What a refusal means, whatever carries it; <see cref="Api.ProblemResponses"/> gives each its HTTP status.</summary>
public enum RejectionKind
{
    Invalid,
    NotFound,
    Conflict,
    Busy,
    TooLarge,
    Unsupported,
    ChecksumMismatch,
    ChunkChecksumMismatch,
    InsufficientStorage,
    TooMany,
}

/// <summary>
/// An upload or request the broker refuses, with a title and a detail a person can act on. Thrown wherever the
/// refusal is decided, turned into problem+json in one place; nothing already stored is harmed by it.
/// </summary>
public sealed class Rejection(RejectionKind kind, string title, string detail) : Exception(detail)
{
    public RejectionKind Kind { get; } = kind;
    public string Title { get; } = title;

    public static Rejection Invalid(string detail) => new(RejectionKind.Invalid, "Bad request", detail);

    /// <summary>A conversion type this broker does not offer: a mistake in the request (400), not media it cannot take (415).</summary>
    public static Rejection UnknownConversionType(string named, IEnumerable<string> offered) =>
        Invalid($"conversion type '{named}' is not offered here; choose one of: {string.Join(", ", offered.Order())}");

    public static Rejection TooLarge(long limit) =>
        TooLarge($"the file is larger than this broker's max_upload_bytes ({limit} bytes)");

    public static Rejection TooLarge(string detail) => new(RejectionKind.TooLarge, "Upload too large", detail);

    public static Rejection ChecksumMismatch(string expected, string actual) =>
        new(RejectionKind.ChecksumMismatch, "Checksum mismatch",
            $"the sha512 you sent ({expected}) does not match the bytes received ({actual}); nothing was kept");

    public static Rejection ChunkChecksumMismatch(string detail) => new(RejectionKind.ChunkChecksumMismatch, "Checksum mismatch", detail);

    public static Rejection Unsupported(string detail) => new(RejectionKind.Unsupported, "Unsupported media", detail);

    public static Rejection InsufficientStorage(string detail) => new(RejectionKind.InsufficientStorage, "Not enough space", detail);

    public static Rejection NoSuchUpload(string detail) => new(RejectionKind.NotFound, "No such upload", detail);

    public static Rejection OffsetMismatch(string detail) => new(RejectionKind.Conflict, "Offset mismatch", detail);

    public static Rejection Busy(string detail) => new(RejectionKind.Busy, "Upload busy", detail);

    public static Rejection TooMany(string detail) => new(RejectionKind.TooMany, "Too many unfinished uploads", detail);
}
