using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaBroker.Broker.Fetching.YtDlp;

/// <summary>What yt-dlp prints and writes, read back: progress lines and the details of what it fetched.</summary>
public static class YtDlpOutput
{
    /// <summary>A line of our progress template: "mb-progress DOWNLOADED TOTAL ESTIMATE SPEED", NA where yt-dlp knows no value.</summary>
    public static FetchProgress? Progress(string line)
    {
        if (!line.StartsWith(YtDlpArguments.ProgressPrefix, StringComparison.Ordinal)) return null;
        var fields = line[YtDlpArguments.ProgressPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 4 || Number(fields[0]) is not { } downloaded) return null;
        var total = Number(fields[1]) ?? Number(fields[2]);
        return new FetchProgress((long)downloaded, total is { } known ? (long)known : null, Number(fields[3]) ?? 0);
    }

    public static Details? ReadDetails(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Details>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The last line yt-dlp gave as an error, without its "ERROR: " label.</summary>
    public static string? LastError(IEnumerable<string> lines) =>
        lines.LastOrDefault(line => line.StartsWith("ERROR:", StringComparison.Ordinal))?["ERROR:".Length..].Trim() is { } error
            ? error.Length <= 300 ? error : error[..300] + "..."
            : null;

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;

    public sealed record Details(
        [property: JsonPropertyName("title")] string? Title,
        [property: JsonPropertyName("uploader")] string? Uploader,
        [property: JsonPropertyName("channel")] string? Channel,
        [property: JsonPropertyName("creator")] string? Creator,
        [property: JsonPropertyName("upload_date")] string? UploadDate,
        [property: JsonPropertyName("release_year")] int? ReleaseYear,
        [property: JsonPropertyName("ext")] string? Extension,
        [property: JsonPropertyName("filepath")] string? FilePath)
    {
        public string? Author => Uploader ?? Channel ?? Creator;

        /// <summary>The release year, else the year of upload_date (YYYYMMDD).</summary>
        public int? Year => ReleaseYear ?? (UploadDate is { Length: 8 } date
            && int.TryParse(date[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var year) ? year : null);
    }
}
