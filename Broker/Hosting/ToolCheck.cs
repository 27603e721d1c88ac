using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.Hosting;

/// <summary>A broker without ffmpeg would accept uploads it can never convert: refuse to start instead.</summary>
public static class ToolCheck
{
    public static async Task EnsureAvailableAsync(BrokerSettings settings, ProgramRunner runner, CancellationToken cancellationToken)
    {
        foreach (var (key, program) in new[] { ("ffmpeg_path", settings.FfmpegPath), ("ffprobe_path", settings.FfprobePath) })
        {
            try
            {
                var result = await runner.RunAsync(new ProgramRun(program, ["-version"]) { Timeout = TimeSpan.FromSeconds(20) }, cancellationToken);
                if (result.Succeeded) continue;
            }
            catch (Exception error) when (error is ProgramStartException or ProgramTimeoutException) { }
            throw new ConfigurationException($"{key}: cannot run '{program}' (install ffmpeg with scripts/setup or apt-get, or set {key} in broker.json)");
        }
    }
}
