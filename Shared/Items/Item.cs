namespace MediaBroker.Shared.Items;

/// <summary>
/// One file handed to a broker, as stored in its item.json, in index.json and sent on the wire.
/// Immutable: every change makes a new record with a higher <see cref="Version"/>.
/// </summary>
public sealed record Item
{
    public required Guid ItemId { get; init; }
    public required string ClientId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the item last entered <c>to_do</c>; workers take items in this order.</summary>
    public required DateTimeOffset QueuedAt { get; init; }
    public required string ConversionType { get; init; }
    /// <summary>The name the uploader gave, control characters removed: display data, never a path.</summary>
    public required string OriginalFileName { get; init; }
    /// <summary>A safe single-segment version of the original name, used for download names.</summary>
    public required string CurrentFileName { get; init; }
    public required string Sha512Checksum { get; init; }
    public required long FileSize { get; init; }
    public required ItemStatus Status { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public MediaInfo? Media { get; init; }
    public ItemOutput? Output { get; init; }
    /// <summary>Where the input came from when the broker fetched it from a link; null for an upload.</summary>
    public ItemSource? Source { get; init; }
    /// <summary>
    /// The folder, relative to the broker's library_path, that the finished output is also placed in (for Plex or
    /// Jellyfin); null: not placed. Checked to stay inside library_path when the item is created.
    /// </summary>
    public string? Directory { get; init; }
    /// <summary>Where the output was placed in the library, or why it could not be; null: not (yet) placed.</summary>
    public ItemLibrary? Library { get; init; }
    /// <summary>
    /// What an item in to_do waits for before a converter may take it: <see cref="ItemPhases.Downloading"/> while the
    /// broker fetches its input from <see cref="Source"/>; null once the input is there (every upload, and a fetched link).
    /// </summary>
    public string? Phase { get; init; }
    /// <summary>How far the fetch of its input has come, while <see cref="Phase"/> is downloading; kept in memory, like <see cref="Progress"/>.</summary>
    public ItemDownload? Download { get; init; }
    /// <summary>
    /// The item whose output this one shares: the content fetched for it had already been converted here, for the
    /// same client and conversion type, so its output was linked instead of converted twice.
    /// </summary>
    public Guid? SameContentAs { get; init; }
    /// <summary>When its last conversion started (the item entered <c>in_progress</c>); waiting = this minus <see cref="QueuedAt"/>.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When it last reached a finished state; converting = this minus <see cref="StartedAt"/>. Cleared by a retry.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Where the broker's time went, phase by phase.</summary>
    public ItemTimings? Timings { get; init; }
    /// <summary>0..1 while converting, 1 once finished successfully.</summary>
    public double? Progress { get; init; }
    public double? Fps { get; init; }
    public double? Speed { get; init; }
    public double? EtaSeconds { get; init; }
    /// <summary>
    /// When the owning client said it placed and verified the output (<c>POST /api/items/{id}/fetched</c>); the broker
    /// frees the item's files keep_finished_hours later. Cleared by a retry.
    /// </summary>
    public DateTimeOffset? FetchedAt { get; init; }
    /// <summary>
    /// When the broker removed the item's input and output to free the disk; null while it holds them. The record
    /// stays, so that the same content is still recognised (see <see cref="FilesRemovedBecause"/>).
    /// </summary>
    public DateTimeOffset? FilesRemovedAt { get; init; }
    /// <summary>Why the files went; set with <see cref="FilesRemovedAt"/>.</summary>
    public FilesRemovalReason? FilesRemovedBecause { get; init; }
    public long Version { get; init; }
}

/// <summary>Why a broker removed an item's files and kept only its record.</summary>
public enum FilesRemovalReason
{
    /// <summary>The client placed and verified the output, and keep_finished_hours passed since.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("fetched")] Fetched,
    /// <summary>Converted, but no client said it fetched the output within keep_failed_days.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("not_fetched")] NotFetched,
    /// <summary>The conversion failed and nobody retried it within keep_failed_days.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// A link the broker fetched an item's input from, and what the page said about it (yt-dlp's title and uploader).
/// <see cref="Title"/> names the file placed in the library.
/// </summary>
public sealed record ItemSource
{
    public required string Url { get; init; }
    public string? Title { get; init; }
    public string? Uploader { get; init; }
    /// <summary>The year the page gives for it (yt-dlp's upload or release date), for "Title (Year)".</summary>
    public int? Year { get; init; }
}

/// <summary>
/// The output's place in the broker's library: <see cref="Path"/> relative to library_path, with '/' between folders,
/// a second name of the output itself (<see cref="HardLinked"/>) or a copy; or, when it could not be placed (a full
/// disk, no permission), <see cref="Problem"/>, and the broker tries again at its next start.
/// </summary>
public sealed record ItemLibrary
{
    public string? Path { get; init; }
    public bool HardLinked { get; init; }
    public string? Problem { get; init; }
}

/// <summary>The phases an item in to_do can be in before it is converted.</summary>
public static class ItemPhases
{
    public const string Downloading = "downloading";

    /// <summary>Waiting for the broker to fetch its input, or fetching it now.</summary>
    public static bool IsAwaitingInput(this Item item) => item is { Status: ItemStatus.ToDo, Phase: Downloading };

    /// <summary>
    /// An item made from a link whose input never arrived (its fetch failed, or has not ended yet): it has no content,
    /// so its sha512 is empty and its size 0. A retry fetches it again.
    /// </summary>
    public static bool InputNeverFetched(this Item item) => item.Source is not null && item.Sha512Checksum.Length == 0;
}

/// <summary>
/// A fetch under way: bytes on disk, the whole size when the server said it, the rate over the last moments, and the
/// seconds left at that rate (null while the size is unknown).
/// </summary>
public sealed record ItemDownload(long Bytes, long? TotalBytes, double BytesPerSecond, double? EtaSeconds);

/// <summary>The converted file of an item, verified by ffprobe before it was recorded.</summary>
public sealed record ItemOutput(string FileName, string Sha512Checksum, long FileSize);
