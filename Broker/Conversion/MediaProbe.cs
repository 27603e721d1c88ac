using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>Asks ffprobe what a file is; only local plain media files get an answer (see <see cref="AllowedInputFormats"/>).</summary>
public sealed class MediaProbe(ProcessRunner runner, BrokerSettings settings)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    public async Task<(MediaInfo? Media, string? Problem)> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(new ProcessRequest(settings.FfprobePath,
        [
            "-hide_banner", "-v", "error",
            .. InputSafety.Options,
            "-show_format", "-show_streams", "-of", "json",
            InputSafety.FileUrl(path),
        ])
        { Timeout = ProbeTimeout, StopGracePeriod = TimeSpan.Zero }, cancellationToken);

        if (result.Outcome == ProcessOutcome.TimedOut)
            return (null, "ffprobe could not read the file within a minute");
        if (!result.Succeeded)
            return (null, ExplainFailure(result.ErrorText));
        return ProbeReport.Parse(result.Output);
    }

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
