using MediaBroker.Shared.Items;

namespace MediaBroker.Client.Watching;

/// <summary>
/// Which media type a file name suggests. Only a first sort for the watcher (is this folder's type observed?); the
/// broker decides for real (libvips, ffprobe) and refuses what is not media.
/// </summary>
public static class MediaKinds
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        // video
        [".mp4"] = MediaTypes.Video, [".m4v"] = MediaTypes.Video, [".mkv"] = MediaTypes.Video, [".mov"] = MediaTypes.Video,
        [".avi"] = MediaTypes.Video, [".wmv"] = MediaTypes.Video, [".flv"] = MediaTypes.Video, [".webm"] = MediaTypes.Video,
        [".mpg"] = MediaTypes.Video, [".mpeg"] = MediaTypes.Video, [".ts"] = MediaTypes.Video, [".m2ts"] = MediaTypes.Video,
        [".mts"] = MediaTypes.Video, [".3gp"] = MediaTypes.Video, [".ogv"] = MediaTypes.Video, [".vob"] = MediaTypes.Video,
        // image (webp is what pictures become, so it is not taken)
        [".png"] = MediaTypes.Image, [".jpg"] = MediaTypes.Image, [".jpeg"] = MediaTypes.Image, [".gif"] = MediaTypes.Image,
        [".bmp"] = MediaTypes.Image, [".tif"] = MediaTypes.Image, [".tiff"] = MediaTypes.Image,
        // phones: HEIC (iPhones since 2017), and AVIF
        [".heic"] = MediaTypes.Image, [".heif"] = MediaTypes.Image, [".avif"] = MediaTypes.Image,
        // audio (opus is what sound becomes)
        [".mp3"] = MediaTypes.Audio, [".wav"] = MediaTypes.Audio, [".flac"] = MediaTypes.Audio, [".aac"] = MediaTypes.Audio,
        [".m4a"] = MediaTypes.Audio, [".ogg"] = MediaTypes.Audio, [".oga"] = MediaTypes.Audio, [".wma"] = MediaTypes.Audio,
        [".aif"] = MediaTypes.Audio, [".aiff"] = MediaTypes.Audio, [".ape"] = MediaTypes.Audio, [".wv"] = MediaTypes.Audio,
    };

    public static string? Of(string path) => ByExtension.GetValueOrDefault(Path.GetExtension(path));
}
