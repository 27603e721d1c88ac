using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Pictures;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Hosting;

/// <summary>A broker without ffmpeg or libvips would accept uploads it can never convert: refuse to start instead.</summary>
public static class ToolCheck
{
    public static async Task EnsureAvailableAsync(BrokerSettings settings, ProgramRunner runner, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var (key, program) in await UnrunnableProgramsAsync(settings, runner, TimeSpan.FromSeconds(20), cancellationToken))
            throw new ConfigurationException($"{key}: cannot run '{program}' (install ffmpeg with scripts/setup or apt-get, or set {key} in broker.json)");
        if (!settings.SupportsMediaType(MediaTypes.Image)) return;
        Libvips.UseLogger(logger);
        var (version, problem) = Libvips.Check();
        if (version is null)
            throw new ConfigurationException($"list_of_supported_media_types: image needs libvips, which cannot be loaded ({problem}); "
                + "install it with scripts/setup (Debian: apt-get install libvips42), or leave image out");
        if (!Libvips.ReadsHeif())
            logger.LogWarning("libvips {Version} here cannot read HEIC or AVIF; such pictures will be refused (Debian's libvips42 reads them)", version);
        else
            logger.LogInformation("Pictures are converted by libvips {Version}", version);
    }

    /// <returns>The setting and program of each of ffmpeg and ffprobe that does not answer <c>-version</c> within <paramref name="timeout"/>.</returns>
    public static async Task<IReadOnlyList<(string Key, string Program)>> UnrunnableProgramsAsync(
        BrokerSettings settings, ProgramRunner runner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var unrunnable = new List<(string, string)>();
        foreach (var (key, program) in new[] { ("ffmpeg_path", settings.FfmpegPath), ("ffprobe_path", settings.FfprobePath) })
            if (!await RunsAsync(program, runner, timeout, cancellationToken)) unrunnable.Add((key, program));
        return unrunnable;
    }

    private static async Task<bool> RunsAsync(string program, ProgramRunner runner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return (await runner.RunAsync(new ProgramRun(program, ["-version"]) { Timeout = timeout }, cancellationToken)).Succeeded;
        }
        catch (Exception error) when (error is ProgramStartException or ProgramTimeoutException)
        {
            return false;
        }
    }
}
