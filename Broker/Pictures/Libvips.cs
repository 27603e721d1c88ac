using NetVips;

namespace MediaBroker.Broker.Pictures;

/// <summary>
/// The process-wide set-up of libvips, done once before the first picture: only the loaders the broker accepts may
/// run, nothing is cached between files, and libvips' warnings go to the broker's log instead of stderr.
/// </summary>
public static class Libvips
{
    /// <summary>The loaders an upload may be read with (libvips' class names, which cover file and buffer variants).</summary>
    private static readonly string[] AllowedLoaders =
    [
        "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadNsgif", "VipsForeignLoadWebp", "VipsForeignLoadTiff",
        "VipsForeignLoadHeif",
        // BMP has no libvips loader of its own; ImageMagick reads it. PictureReader lets it in for BMP files only.
        "VipsForeignLoadMagick",
    ];

    private static readonly Lock Gate = new();
    private static bool _ready;
    private static ILogger? _logger;

    /// <summary>libvips' version, or why it cannot be used (not installed, too old).</summary>
    public static (string? Version, string? Problem) Check()
    {
        try
        {
            EnsureReady();
            return ($"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}", null);
        }
        catch (Exception error) when (error is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or VipsException)
        {
            return (null, error.InnerException?.Message ?? error.Message);
        }
    }

    /// <summary>Whether libvips reads HEIC and AVIF here (Debian's libvips42 does, through libheif).</summary>
    public static bool ReadsHeif()
    {
        EnsureReady();
        return NetVips.NetVips.TypeFind("VipsForeignLoad", "heifload") != IntPtr.Zero;
    }

    public static void UseLogger(ILogger logger) => _logger = logger;

    public static void EnsureReady()
    {
        lock (Gate)
        {
            if (_ready) return;
            // Each item's files have their own names, but a cached load would still hold memory and file handles.
            Cache.Max = 0;
            Cache.MaxFiles = 0;
            // Every operation that reads a file is blocked, then the accepted ones let through again: a file that
            // claims to be SVG, PDF, MATLAB or a vips raw image is never parsed, whoever asks libvips to open it.
            Operation.Block("VipsForeignLoad", true);
            foreach (var loader in AllowedLoaders) Operation.Block(loader, false);
            Log.SetLogHandler("VIPS", Enums.LogLevelFlags.Warning | Enums.LogLevelFlags.Critical,
                // Debug: some are said for every picture of a kind (libheif: "ignoring nclx profile"); failures are reported where they happen.
                (_, _, message) => _logger?.LogDebug("libvips: {Message}", message));
            _ready = true;
        }
    }
}
