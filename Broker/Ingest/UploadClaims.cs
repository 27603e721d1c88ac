namespace MediaBroker.Broker.Ingest;

/// <summary>What the uploader said about a file; all of it optional but the name.</summary>
public sealed record UploadClaims(string FileName, string? ConversionType, string? Sha512, string ClientId);
