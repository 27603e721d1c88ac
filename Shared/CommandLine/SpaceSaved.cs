using System.Globalization;

namespace MediaBroker.Shared.CommandLine;

/// <summary>What conversions saved, per file and in total, as <c>media-client status</c> and <c>media-broker queue list</c> print it.</summary>
public static class SpaceSaved
{
    /// <summary>"8.1 MB (67%)"; negative when the output is the larger; empty while there is no output.</summary>
    public static string Of(long input, long? output) =>
        output is { } bytes && input > 0 ? $"{Words.Bytes(input - bytes)} ({Percent(input, bytes)})" : "";

    /// <summary>"3 files converted: 120.0 MB in, 40.0 MB out, 80.0 MB saved (67%)", over the files that have an output.</summary>
    public static string Total(IEnumerable<(long Input, long? Output)> files)
    {
        var converted = files.Where(file => file.Output is not null).ToList();
        if (converted.Count == 0) return "nothing converted yet: no saving to show";
        long input = converted.Sum(file => file.Input), output = converted.Sum(file => file.Output!.Value);
        return $"{Words.Count(converted.Count, "file")} converted: {Words.Bytes(input)} in, {Words.Bytes(output)} out, "
            + $"{Words.Bytes(input - output)} saved ({Percent(input, output)})";
    }

    private static string Percent(long input, long output) =>
        input == 0 ? "" : ((input - output) / (double)input).ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);
}
