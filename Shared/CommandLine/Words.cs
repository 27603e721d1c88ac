using System.Globalization;

namespace MediaBroker.Shared.CommandLine;

/// <summary>Counts and sizes as the command lines print them: "1 item", "2 items", "12.3 MB".</summary>
public static class Words
{
    /// <summary>"1 file", "3 files" (the nouns the programs count all take an s).</summary>
    public static string Count(long count, string noun) =>
        $"{count.ToString("N0", CultureInfo.InvariantCulture)} {(count == 1 ? noun : noun + "s")}";

    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB"];

    /// <summary>Decimal units, as disks are sold (and as <c>servers</c> shows free space): "950 B", "12.3 MB", "-1.5 GB".</summary>
    public static string Bytes(long bytes)
    {
        var size = Math.Abs((double)bytes);
        var unit = 0;
        while (size >= 999.95 && unit < Units.Length - 1)
        {
            size /= 1000;
            unit++;
        }
        var number = unit == 0 ? size.ToString("0", CultureInfo.InvariantCulture) : size.ToString("0.0", CultureInfo.InvariantCulture);
        return $"{(bytes < 0 ? "-" : "")}{number} {Units[unit]}";
    }
}
