namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>
/// A resumable upload as kept in <c>incoming/tus-&lt;id&gt;.json</c>, beside the folder holding its bytes. Its offset is
/// not stored: it is the length of the data file, which cannot disagree with itself after a crash.
/// </summary>
public sealed record TusUploadRecord
{
    public required string UploadId { get; init; }
    public required long Length { get; init; }
    /// <summary>The Upload-Metadata header as the client sent it; HEAD gives it back unchanged.</summary>
    public required string Metadata { get; init; }
    public required string FileName { get; init; }
    public string? ConversionType { get; init; }
    public string? Sha512 { get; init; }
    public required string ClientId { get; init; }
    /// <summary>The library folder for the output, checked when the upload was created.</summary>
    public string? Directory { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Pushed back with every PATCH; an unfinished upload past it is removed by the sweep.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>Set once the last byte arrived and the upload became (or matched) an item.</summary>
    public Guid? ItemId { get; init; }
}
