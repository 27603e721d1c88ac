using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Configuration;

/// <summary>Everything broker.json can set; the seed's names where it has them. Defaults work with no file at all.</summary>
public sealed record BrokerSettings
{
    public string ListenAddress { get; init; } = "127.0.0.1";
    public int ListenOnPort { get; init; } = 5000;
    public int NumberOfConversionThreads { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);
    public IReadOnlyList<string> ListOfSupportedMediaTypes { get; init; } = MediaTypes.All;
    public string DataPath { get; init; } = Path.Combine("var", "broker");
    public long MaxUploadBytes { get; init; } = 64L << 30;
    /// <summary>An upload is refused (507) when it would leave less than this free on the data folder's disk.</summary>
    public long MinFreeBytes { get; init; } = 1L << 30;
    public string FfmpegPath { get; init; } = "ffmpeg";
    public string FfprobePath { get; init; } = "ffprobe";
    /// <summary>Keep the uploaded file beside the output once a conversion succeeded.</summary>
    public bool KeepInputs { get; init; }
    /// <summary>Named profiles; merged over <see cref="DefaultConversionProfiles.All"/> by name.</summary>
    public IReadOnlyDictionary<string, ConversionProfile> ConversionTypes { get; init; } = DefaultConversionProfiles.All;
    public IReadOnlyDictionary<string, string> DefaultConversionTypes { get; init; } = DefaultConversionProfiles.DefaultForMediaType;
    /// <summary>A conversion may take this many times the input's duration before it counts as hung.</summary>
    public double ConversionTimeoutFactor { get; init; } = 20;
    /// <summary>The least time any conversion gets, however short its input.</summary>
    public int ConversionTimeoutMinSeconds { get; init; } = 300;
    /// <summary>
    /// The most pixels a picture may decode to, all its frames together; larger ones (decompression bombs, GIFs of
    /// thousands of frames) are refused on arrival, from their header, before anything is decoded.
    /// </summary>
    public long MaxImagePixels { get; init; } = 200_000_000;
    /// <summary>Thumbnails kept for reuse take at most this much disk; the least recently used go first.</summary>
    public long ThumbnailCacheBytes { get; init; } = 256L << 20;
    /// <summary>Unfinished resumable uploads are removed after this long without a byte.</summary>
    public double UploadExpiryHours { get; init; } = 24;
    /// <summary>A request whose body stops arriving (a dropped connection) is cut off after this long, releasing its upload.</summary>
    public int StalledRequestTimeoutSeconds { get; init; } = 30;
    /// <summary>A client that sends no complete request line and headers within this long is disconnected.</summary>
    public int RequestHeadersTimeoutSeconds { get; init; } = 30;

    /// <summary>Serve requests without a token on an address other machines reach (only while no token exists). Off: refuse to start.</summary>
    public bool AllowAnonymous { get; init; }
    /// <summary>Requests a second one token may send (bursts of twice that); more are answered 429. 0: no limit.</summary>
    public double RequestsPerSecondPerToken { get; init; } = 100;
    /// <summary>After this many wrong tokens in a minute, an address is answered 429 for the rest of that minute.</summary>
    public int FailedTokenAttemptsPerMinute { get; init; } = 10;
    /// <summary>Resumable uploads one client may have begun and not finished; one more is refused (429).</summary>
    public int MaxUnfinishedUploadsPerClient { get; init; } = 20;
    /// <summary>Bytes those unfinished uploads may claim together (default 128 GiB); one more is refused (413).</summary>
    public long MaxUnfinishedUploadBytesPerClient { get; init; } = 128L << 30;

    /// <summary>
    /// Addresses and networks ("127.0.0.1", "10.0.0.0/8", "::1") a link may reach although they are private, loopback,
    /// link-local or otherwise kept out of reach of fetched links. Empty: links reach public addresses only.
    /// </summary>
    public IReadOnlyList<string> UrlAllowList { get; init; } = [];
    /// <summary>yt-dlp, which fetches page links (video sites); from the PATH unless a full path is given.</summary>
    public string YtDlpPath { get; init; } = "yt-dlp";
    /// <summary>A fetched link larger than this is refused, or cut off and failed when it grows past it (default 64 GiB).</summary>
    public long MaxDownloadBytes { get; init; } = 64L << 30;
    /// <summary>A fetch (with all its retries) that takes longer than this is stopped and fails.</summary>
    public int DownloadTimeoutMinutes { get; init; } = 240;

    public ConversionProfile? Profile(string? conversionType) =>
        conversionType is not null && ConversionTypes.TryGetValue(conversionType, out var profile) ? profile : null;

    public bool SupportsMediaType(string mediaType) => ListOfSupportedMediaTypes.Contains(mediaType, StringComparer.Ordinal);

    public TimeSpan ConversionTimeout(double? inputDurationSeconds) =>
        TimeSpan.FromSeconds(Math.Max(ConversionTimeoutMinSeconds, (inputDurationSeconds ?? 0) * ConversionTimeoutFactor));

    /// <summary>
    /// A picture is timed by its work, not by the minimum meant for films: 30 s, plus 2 s for every megapixel of all its
    /// frames (libvips converts tens of megapixels a second; this allows for a busy machine).
    /// </summary>
    public static TimeSpan PictureTimeout(long pixels) => TimeSpan.FromSeconds(30 + 2.0 * pixels / 1_000_000);
}
