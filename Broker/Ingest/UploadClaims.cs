namespace MediaBroker.Broker.Ingest;

/// <summary>What the uploader said about a file; all of it optional but the name.</summary>
/// <param name="Directory">The library folder to place the output in, already checked by <see cref="Library.LibraryDirectory"/>.</param>
public sealed record UploadClaims(string FileName, string? ConversionType, string? Sha512, string ClientId, string? Directory = null);
