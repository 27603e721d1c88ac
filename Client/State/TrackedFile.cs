using System.Text.Json.Serialization;

namespace MediaBroker.Client.State;

/// <summary>Where a source file is in the client's pipeline.</summary>
public enum FileStatus
{
    /// <summary>Seen; waiting for it to stop changing.</summary>
    [JsonStringEnumMemberName("waiting")] Waiting,
    /// <summary>Stable and hashed; to be handed to a broker.</summary>
    [JsonStringEnumMemberName("ready")] Ready,
    /// <summary>A broker is receiving it (resumable).</summary>
    [JsonStringEnumMemberName("uploading")] Uploading,
    /// <summary>The broker has it (to_do or in_progress there).</summary>
    [JsonStringEnumMemberName("converting")] Converting,
    /// <summary>Converted; the output is being fetched.</summary>
    [JsonStringEnumMemberName("downloading")] Downloading,
    /// <summary>The verified output is in place.</summary>
    [JsonStringEnumMemberName("done")] Done,
    /// <summary>The broker could not convert it; retried only on request.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>The broker will not take it (not media it converts, too large...); taken again only if the file changes.</summary>
    [JsonStringEnumMemberName("refused")] Refused,
    /// <summary>Nothing to do: the same content was converted already, or the output exists and when_output_exists is skip.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>
/// One source file in the client's item database: the seed's fields (server_id, item_id, created_at, status,
/// last_checked_at, version) and what resuming needs after a restart.
/// </summary>
public sealed record TrackedFile
{
    public required string Path { get; init; }
    public string? ServerId { get; init; }
    public Guid? ItemId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required FileStatus Status { get; init; }
    public DateTimeOffset? LastCheckedAt { get; init; }
    public long Version { get; init; }
    public string? Sha512Checksum { get; init; }
    public long FileSize { get; init; }
    public DateTimeOffset ModifiedAt { get; init; }
    /// <summary>When the file was last seen with this size and time; it is stable once that is far enough back.</summary>
    public DateTimeOffset SeenUnchangedSince { get; init; }
    public string? MediaType { get; init; }
    public string? ConversionType { get; init; }
    /// <summary>The tus upload on <see cref="ServerId"/>, resumed after a restart or a broken link.</summary>
    public string? UploadUrl { get; init; }
    /// <summary>Since when the chosen broker has not answered; past failover_after_minutes another one is chosen.</summary>
    public DateTimeOffset? ServerAwaySince { get; init; }
    public string? OutputPath { get; init; }
    public string? OutputSha512 { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    /// <summary>
    /// When the broker heard that the output is placed (it may then free its copy); null for a done file: still to
    /// tell, at the next pass.
    /// </summary>
    public DateTimeOffset? BrokerToldAt { get; init; }
    /// <summary>Set for files handed over with <c>media-client upload</c>: their output goes beside them.</summary>
    public bool Manual { get; init; }

    public bool IsPending => Status is FileStatus.Waiting or FileStatus.Ready or FileStatus.Uploading or FileStatus.Converting or FileStatus.Downloading;
}
