using System.Globalization;

namespace MediaBroker.Broker.Media;

/// <summary>One block of ffmpeg's <c>-progress</c> output.</summary>
public sealed record ProgressSample(TimeSpan OutTime, double? Fps, double? Speed, bool Ended);

/// <summary>
/// Collects the key=value lines ffmpeg writes with <c>-progress pipe:1</c>; each block ends with
/// <c>progress=continue</c> or <c>progress=end</c> and then becomes one <see cref="ProgressSample"/>. Pure: no clock, no I/O.
/// </summary>
public sealed class ProgressParser
{
    private TimeSpan _outTime;
    private double? _fps;
    private double? _speed;

    /// <returns>A sample when the line closes a block, otherwise null.</returns>
    public ProgressSample? Feed(string line)
    {
        var separator = line.IndexOf('=');
        if (separator <= 0) return null;
        var key = line.AsSpan(0, separator).Trim();
        var value = line.AsSpan(separator + 1).Trim();
        switch (key)
        {
            case "out_time_us":
            case "out_time_ms": // despite its name, also microseconds
                if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var microseconds) && microseconds >= 0)
                    _outTime = TimeSpan.FromMicroseconds(microseconds);
                break;
            case "fps":
                _fps = Number(value);
                break;
            case "speed":
                _speed = Number(value.TrimEnd('x'));
                break;
            case "progress":
                return new ProgressSample(_outTime, _fps, _speed, value.SequenceEqual("end"));
        }
        return null;
    }

    /// <summary>Fraction done and seconds left, from a sample and the input's duration (unknown for images).</summary>
    public static (double Fraction, double? EtaSeconds) Estimate(ProgressSample sample, double? durationSeconds)
    {
        if (sample.Ended) return (1, 0);
        if (durationSeconds is not > 0) return (0, null);
        var fraction = Math.Clamp(sample.OutTime.TotalSeconds / durationSeconds.Value, 0, 1);
        double? eta = sample.Speed is > 0 ? (durationSeconds.Value - sample.OutTime.TotalSeconds) / sample.Speed.Value : null;
        return (fraction, eta is null ? null : Math.Max(0, eta.Value));
    }

    private static double? Number(ReadOnlySpan<char> text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;
}
