namespace MediaBroker.Broker.Media;

/// <summary>
/// The ffmpeg demuxers an upload may be read with: plain local media files only. Playlists and indirections
/// (hls, dash, concat, image2 sequences, sdp, tee...) are left out on purpose: they make ffmpeg open other files or
/// URLs, which would let an upload read anything on the broker's disk. Passed to ffprobe and ffmpeg as
/// <c>-format_whitelist</c>, so ffmpeg itself refuses everything else.
/// </summary>
public static class AllowedInputFormats
{
    public static readonly IReadOnlyList<string> Video =
    [
        "mov", "matroska", "avi", "mpegts", "mpeg", "mpegvideo", "flv", "asf", "ogg", "nut", "dv", "rm", "m4v",
        "h264", "hevc", "obu", "ivf", "yuv4mpegpipe", "mxf", "wtv", "gxf", "smjpeg",
    ];

    public static readonly IReadOnlyList<string> Audio =
    [
        "wav", "mp3", "flac", "aac", "ac3", "eac3", "dts", "truehd", "aiff", "au", "w64", "wv", "ape", "amr",
        "caf", "tta", "mpc", "mpc8", "voc", "ircam", "rso", "sox", "dsf", "wsaud", "xwma", "s337m",
    ];

    /// <summary>Single-image readers; files read by one of these are images, whatever else they hold.</summary>
    public static readonly IReadOnlyList<string> Image =
    [
        "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif", "gif_pipe", "jpegls_pipe", "j2k_pipe",
        "pam_pipe", "pbm_pipe", "pgm_pipe", "ppm_pipe", "pgmyuv_pipe", "qoi_pipe", "dpx_pipe", "exr_pipe", "psd_pipe",
        "pcx_pipe", "sgi_pipe", "sunrast_pipe", "xpm_pipe", "xbm_pipe", "xwd_pipe", "pictor_pipe", "photocd_pipe",
    ];

    /// <summary>The whole list as ffmpeg's <c>-format_whitelist</c> wants it.</summary>
    public static readonly string Whitelist = string.Join(',', Video.Concat(Audio).Concat(Image));

    public static bool IsImageFormat(string formatName) =>
        formatName.Split(',').Any(name => Image.Contains(name, StringComparer.Ordinal));
}
