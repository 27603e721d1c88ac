namespace MediaBroker.Broker.Ingest;

/// <summary>A file fully written into its staging folder under incoming/, with what was measured while it arrived.</summary>
public sealed record ReceivedFile(string StagingFolder, string Path, long Length, string Sha512);

/// <summary>What the uploader said about a file; all of it optional but the name.</summary>
public sealed record UploadClaims(string FileName, string? ConversionType, string? Sha512, string ClientId);
