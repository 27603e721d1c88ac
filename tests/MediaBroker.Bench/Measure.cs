using System.Diagnostics;
using System.Globalization;

namespace MediaBroker.Bench;

/// <summary>Timing helpers and the one way figures are printed.</summary>
public static class Measure
{
    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    public static TimeSpan Median(IEnumerable<TimeSpan> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    public static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

    public static string Us(TimeSpan time) => (time.TotalMilliseconds * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " µs";

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    public static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The median of ratios measured round by round, with their spread: what a noisy shared machine allows to quote.</summary>
    public static string RatioWithSpread(IReadOnlyList<double> ratios) =>
        $"{Ratio(Median(ratios))} (from {Ratio(ratios.Min())} to {Ratio(ratios.Max())} over {ratios.Count} rounds)";

    public static string MBps(long bytes, TimeSpan time) => (bytes / 1e6 / time.TotalSeconds).ToString("0", CultureInfo.InvariantCulture) + " MB/s";

    public static void Row(string label, string value) => Console.WriteLine($"  {label,-52} {value}");

    public static void Verdict(string target, bool met) => Console.WriteLine($"  target: {target} -> {(met ? "met" : "NOT met")}");

    /// <summary>The most resident memory the process has had (VmHWM), in bytes.</summary>
    public static long PeakRss(int pid) => ProcStatus(pid, "VmHWM:");

    /// <summary>The process's resident memory now (VmRSS), in bytes.</summary>
    public static long Resident(int pid) => ProcStatus(pid, "VmRSS:");

    /// <summary>The CPU time (user and system) a process has used so far, in seconds, from /proc (clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long ProcStatus(int pid, string key)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").Single(line => line.StartsWith(key, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
