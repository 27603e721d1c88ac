using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Testing;

/// <summary>
/// A conversion type that reads its input at native speed (ffmpeg's -re), so a 4 s clip takes about 4 s to convert
/// on any machine: long enough to stop, delete or watch it mid-way, without depending on how fast the machine is.
/// </summary>
public static class SlowProfiles
{
    public const string Name = "slow_x264";

    public static readonly ConversionProfile Profile = new()
    {
        MediaTypes = [MediaTypes.Video],
        OutputExtension = "mkv",
        Arguments = ["-re", "-i", ConversionProfile.InputPlaceholder, "-map", "0", "-c", "copy", "-c:v", "libx264", "-preset", "ultrafast", ConversionProfile.OutputPlaceholder],
    };

    public static BrokerSettings With(BrokerSettings settings) =>
        settings with { ConversionTypes = new Dictionary<string, ConversionProfile>(settings.ConversionTypes) { [Name] = Profile } };

    /// <summary>The same profile as broker.json text, for brokers started as processes.</summary>
    public const string BrokerJson = """
        { "conversion_types": { "slow_x264": { "media_types": ["video"], "output_extension": "mkv",
            "arguments": ["-re", "-i", "{input}", "-map", "0", "-c", "copy", "-c:v", "libx264", "-preset", "ultrafast", "{output}"] } } }
        """;
}
