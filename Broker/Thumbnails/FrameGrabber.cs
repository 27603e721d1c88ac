using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Thumbnails;

/// <summary>
/// One jpeg picture of a video, made by ffmpeg: a frame a tenth into it (past black intros, at most 10 s in), scaled.
/// Not FFMpegCore's snapshot helper: that one builds a single argument string without our input whitelists (see
/// FfmpegCoreComparisonTests).
/// </summary>
public sealed class FrameGrabber(ProgramRunner runner, BrokerSettings settings)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <returns>True when <paramref name="target"/> holds the picture; false when ffmpeg could not take one.</returns>
    /// <exception cref="OperationCanceledException">The broker stopped it.</exception>
    public async Task<bool> GrabAsync(MediaInfo media, string source, string target, int? width, int? height, CancellationToken cancellationToken)
    {
        try
        {
            var result = await runner.RunAsync(new ProgramRun(settings.FfmpegPath, Arguments(media, source, target, width, height))
            {
                Timeout = Timeout,
            }, cancellationToken);
            return result.Succeeded;
        }
        catch (ProgramTimeoutException)
        {
            return false;
        }
    }

    public static IReadOnlyList<string> Arguments(MediaInfo media, string source, string target, int? width, int? height)
    {
        var arguments = new List<string> { "-hide_banner", "-v", "error", "-y" };
        if (media.Type == MediaTypes.Video && media.DurationSeconds is > 0 and var duration)
            arguments.AddRange(["-ss", Math.Min(duration * 0.1, 10).ToString("0.###", CultureInfo.InvariantCulture)]);
        arguments.AddRange([.. InputSafety.Options, "-i", InputSafety.FileUrl(source),
            "-frames:v", "1", "-vf", ScaleFilter(width, height), "-q:v", "3", "-f", "mjpeg", InputSafety.FileUrl(target)]);
        return arguments;
    }

    private static string ScaleFilter(int? width, int? height)
    {
        static string Side(int? side) => side?.ToString(CultureInfo.InvariantCulture) ?? "-2";
        return width is not null && height is not null
            ? $"scale={Side(width)}:{Side(height)}:force_original_aspect_ratio=decrease:force_divisible_by=2"
            : $"scale={Side(width)}:{Side(height)}";
    }
}
