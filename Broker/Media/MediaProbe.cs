using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Media;

/// <summary>What ffprobe made of a file: the media, or why it is not usable, for a person.</summary>
public sealed record ProbeOutcome(MediaInfo? Media, string? Problem);

/// <summary>
/// Asks ffprobe what a file is; only local plain media files get an answer (see <see cref="AllowedInputFormats"/>).
/// Run by us, not by FFMpegCore's <c>FFProbe.Analyse</c>: that one cannot take the input whitelists, passes the path in
/// one argument string, and reports a stop as a failed probe (see FfmpegCoreComparisonTests). Its analysis model is
/// what <see cref="ProbeReport"/> reads the answer with.
/// </summary>
public sealed class MediaProbe(ProgramRunner runner, BrokerSettings settings)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <exception cref="OperationCanceledException">The broker stopped the probe; it says nothing about the file.</exception>
    public async Task<ProbeOutcome> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        ProgramResult result;
        try
        {
            result = await runner.RunAsync(new ProgramRun(settings.FfprobePath, Arguments(path))
            {
                Timeout = Timeout,
                StopGracePeriod = TimeSpan.Zero, // ffprobe writes nothing worth closing cleanly
            }, cancellationToken);
        }
        catch (ProgramTimeoutException)
        {
            return new ProbeOutcome(null, "ffprobe could not read the file within a minute");
        }
        return result.Succeeded ? ProbeReport.Parse(result.Output) : new ProbeOutcome(null, ExplainFailure(result.ErrorText));
    }

    public static IReadOnlyList<string> Arguments(string path) =>
    [
        "-hide_banner", "-v", "error",
        .. InputSafety.Options,
        "-show_format", "-show_streams", "-of", "json",
        InputSafety.FileUrl(path),
    ];

    private static string ExplainFailure(string ffprobeErrors)
    {
        if (ffprobeErrors.Contains("not on whitelist", StringComparison.Ordinal))
            return "this kind of file refers to other files or addresses (a playlist, a concat list...) and is not accepted; send the media file itself";
        if (ffprobeErrors.Contains("Invalid data found", StringComparison.Ordinal))
            return "this is not a media file ffmpeg can read (its content is not audio, image or video)";
        var lastLine = ffprobeErrors.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return lastLine is null ? "ffprobe could not read the file" : $"ffprobe could not read the file: {InputSafety.HidePaths(lastLine)}";
    }
}
