using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Broker.Pictures;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Configuration;

/// <summary>Checks settings once at start; every problem becomes one line that names its key.</summary>
public static partial class BrokerSettingsValidator
{
    public static IReadOnlyList<string> Validate(BrokerSettings settings)
    {
        var problems = new List<string>();
        void Fail(string key, string message) => problems.Add($"{key}: {message}");

        if (settings.ListenAddress is not ("localhost" or "*") && !IPAddress.TryParse(settings.ListenAddress, out _))
            Fail("listen_address", $"'{settings.ListenAddress}' is not an IP address (try 127.0.0.1, 0.0.0.0 or ::)");
        if (settings.ListenOnPort is < 0 or > 65535)
            Fail("listen_on_port", $"must be between 0 and 65535 (got {Number(settings.ListenOnPort)})");
        if (settings.NumberOfConversionThreads is < 1 or > 256)
            Fail("number_of_conversion_threads", $"must be between 1 and 256 (got {Number(settings.NumberOfConversionThreads)})");
        if (string.IsNullOrWhiteSpace(settings.DataPath))
            Fail("data_path", "must name a folder");
        if (settings.MaxUploadBytes <= 0)
            Fail("max_upload_bytes", $"must be a positive number of bytes (got {Number(settings.MaxUploadBytes)})");
        if (settings.MinFreeBytes < 0)
            Fail("min_free_bytes", $"must be zero or more bytes (got {Number(settings.MinFreeBytes)})");
        if (string.IsNullOrWhiteSpace(settings.FfmpegPath))
            Fail("ffmpeg_path", "must name the ffmpeg program");
        if (string.IsNullOrWhiteSpace(settings.FfprobePath))
            Fail("ffprobe_path", "must name the ffprobe program");
        if (!(settings.ConversionTimeoutFactor > 0))
            Fail("conversion_timeout_factor", "must be a positive number");
        if (settings.ConversionTimeoutMinSeconds < 1)
            Fail("conversion_timeout_min_seconds", "must be at least 1");
        if (settings.MaxImagePixels < 1)
            Fail("max_image_pixels", "must be a positive number of pixels");
        if (settings.ThumbnailCacheBytes < 0)
            Fail("thumbnail_cache_bytes", "must be zero or more bytes");
        if (!(settings.UploadExpiryHours > 0))
            Fail("upload_expiry_hours", "must be a positive number of hours");
        if (settings.StalledRequestTimeoutSeconds is < 2 or > 3600)
            Fail("stalled_request_timeout_seconds", "must be between 2 and 3600");
        if (settings.RequestHeadersTimeoutSeconds is < 1 or > 600)
            Fail("request_headers_timeout_seconds", "must be between 1 and 600");
        if (!(settings.RequestsPerSecondPerToken is >= 0 and <= 100_000))
            Fail("requests_per_second_per_token", "must be between 0 (no limit) and 100000");
        if (settings.FailedTokenAttemptsPerMinute < 1)
            Fail("failed_token_attempts_per_minute", "must be at least 1");
        if (settings.MaxUnfinishedUploadsPerClient < 1)
            Fail("max_unfinished_uploads_per_client", "must be at least 1");
        if (settings.MaxUnfinishedUploadBytesPerClient < 1)
            Fail("max_unfinished_upload_bytes_per_client", "must be a positive number of bytes");
        foreach (var entry in settings.UrlAllowList.Where(entry => !UrlAllowList.TryParse(entry, out _)))
            Fail("url_allow_list", $"'{entry}' is not an IP address or network (such as 127.0.0.1, 10.0.0.0/8 or ::1; a network's address has no bits past its prefix)");
        if (string.IsNullOrWhiteSpace(settings.YtDlpPath))
            Fail("yt_dlp_path", "must name the yt-dlp program");
        if (settings.MaxDownloadBytes <= 0)
            Fail("max_download_bytes", $"must be a positive number of bytes (got {Number(settings.MaxDownloadBytes)})");
        if (settings.DownloadTimeoutMinutes is < 1 or > 10080)
            Fail("download_timeout_minutes", $"must be between 1 and 10080 (a week; got {Number(settings.DownloadTimeoutMinutes)})");

        ValidateMediaTypes(settings, Fail);
        foreach (var (name, profile) in settings.ConversionTypes)
            ValidateProfile(name, profile, Fail);
        ValidateDefaults(settings, Fail);
        return problems;
    }

    private static void ValidateMediaTypes(BrokerSettings settings, Action<string, string> fail)
    {
        const string key = "list_of_supported_media_types";
        if (settings.ListOfSupportedMediaTypes.Count == 0)
            fail(key, "must list at least one of audio, image, video");
        foreach (var mediaType in settings.ListOfSupportedMediaTypes)
        {
            if (!MediaTypes.IsKnown(mediaType))
                fail(key, $"'{mediaType}' is not a media type (use audio, image or video)");
            else if (!settings.ConversionTypes.Values.Any(profile => profile.Accepts(mediaType)))
                fail(key, $"'{mediaType}' is supported but no entry of conversion_types accepts it");
        }
        if (settings.ListOfSupportedMediaTypes.Distinct(StringComparer.Ordinal).Count() != settings.ListOfSupportedMediaTypes.Count)
            fail(key, "lists a media type twice");
    }

    private static void ValidateProfile(string name, ConversionProfile profile, Action<string, string> fail)
    {
        var key = $"conversion_types.{name}";
        if (!ProfileName().IsMatch(name))
            fail(key, "a conversion type's name may only hold a-z, 0-9 and _ (at most 40)");
        if (profile.MediaTypes is null || profile.MediaTypes.Count == 0)
        {
            fail($"{key}.media_types", "must list the media types it accepts");
            return;
        }
        foreach (var mediaType in profile.MediaTypes.Where(type => !MediaTypes.IsKnown(type)))
            fail($"{key}.media_types", $"'{mediaType}' is not a media type (use audio, image or video)");
        if (profile.OutputExtension is null || !Extension().IsMatch(profile.OutputExtension))
            fail($"{key}.output_extension", "must be a short extension such as mkv or webp, without the dot");
        if (profile.Verify is not (null or ConversionProfile.VerifyProbe or ConversionProfile.VerifyDecode))
            fail($"{key}.verify", $"must be \"{ConversionProfile.VerifyProbe}\" or \"{ConversionProfile.VerifyDecode}\"");
        if (profile.IsPicture) ValidatePictureProfile(key, profile, fail);
        else ValidateFfmpegProfile(key, profile, fail);
    }

    private static void ValidatePictureProfile(string key, ConversionProfile profile, Action<string, string> fail)
    {
        if (profile.MediaTypes.Count != 1)
            fail($"{key}.media_types", "a conversion type for images accepts images only (pictures are made by libvips, video and audio by ffmpeg)");
        if (profile.Arguments is { Count: > 0 })
            fail($"{key}.arguments", "pictures are converted by libvips, not ffmpeg: use quality, lossless, effort, strip_metadata and max_dimension instead");
        if (profile.OutputExtension is not null and not "webp")
            fail($"{key}.output_extension", "pictures are converted to webp");
        if (profile.Quality is < 1 or > 100)
            fail($"{key}.quality", "must be between 1 and 100");
        if (profile.Effort is < 0 or > 6)
            fail($"{key}.effort", "must be between 0 (fastest) and 6 (smallest)");
        if (profile.MaxDimension is < 16 or > PictureLimits.WebpMaxSide)
            fail($"{key}.max_dimension", $"must be between 16 and {PictureLimits.WebpMaxSide} pixels (webp's largest side)");
    }

    private static void ValidateFfmpegProfile(string key, ConversionProfile profile, Action<string, string> fail)
    {
        var arguments = profile.Arguments ?? [];
        var inputs = arguments.Count(argument => argument == ConversionProfile.InputPlaceholder);
        var outputs = arguments.Count(argument => argument == ConversionProfile.OutputPlaceholder);
        var inputAt = arguments.ToList().IndexOf(ConversionProfile.InputPlaceholder);
        if (inputs != 1 || inputAt < 1 || arguments[inputAt - 1] != "-i")
            fail($"{key}.arguments", "must hold \"-i\", \"{input}\" exactly once");
        if (outputs != 1)
            fail($"{key}.arguments", "must hold \"{output}\" exactly once");
        foreach (var argument in arguments.Where(IsForbiddenArgument))
            fail($"{key}.arguments", $"'{argument}' is set by the broker itself and may not appear in a profile");
        var pictureSettings = new (string Name, bool Set)[]
        {
            ("quality", profile.Quality is not null), ("lossless", profile.Lossless is not null), ("effort", profile.Effort is not null),
            ("strip_metadata", profile.StripMetadata is not null), ("max_dimension", profile.MaxDimension is not null),
        };
        foreach (var (setting, _) in pictureSettings.Where(setting => setting.Set))
            fail($"{key}.{setting}", "applies to conversion types for images only; set the encoder's options in arguments instead");
    }

    private static void ValidateDefaults(BrokerSettings settings, Action<string, string> fail)
    {
        foreach (var (mediaType, conversionType) in settings.DefaultConversionTypes)
        {
            var key = $"default_conversion_types.{mediaType}";
            if (!MediaTypes.IsKnown(mediaType))
                fail(key, $"'{mediaType}' is not a media type (use audio, image or video)");
            else if (settings.Profile(conversionType) is not { } profile)
                fail(key, $"'{conversionType}' is not one of conversion_types");
            else if (!profile.Accepts(mediaType))
                fail(key, $"'{conversionType}' does not accept {mediaType}");
        }
    }

    // The broker owns where ffmpeg reads and writes and how it reports; a profile must not loosen that.
    private static bool IsForbiddenArgument(string argument) =>
        argument is "-protocol_whitelist" or "-format_whitelist" or "-progress";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    private static partial Regex ProfileName();

    [GeneratedRegex("^[a-z0-9]{1,10}$")]
    private static partial Regex Extension();
}
