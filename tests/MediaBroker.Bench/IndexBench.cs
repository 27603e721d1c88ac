using System.Diagnostics;
using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The index at 1,000, 100,000 and 1,000,000 items: the cost of a change (an add, a state change) with the index
/// writer running as in a broker, the bytes the index writes per change, and a real broker process's start-up
/// (until it answers HTTP) after a clean stop and after kill -9, with its resident memory.
/// </summary>
public static class IndexBench
{
    private const int Samples = 300;
    private static readonly int[] Counts = [1_000, 100_000, 1_000_000];

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments)
    {
        var counts = arguments.Count > 0 ? arguments.Select(text => int.Parse(text, CultureInfo.InvariantCulture)).ToArray() : Counts;
        Console.WriteLine("index: the cost of a change must not grow with the number of items; start-up and memory at a million");
        var folders = counts.Select(count => new TempFolder($"bench-index-{count}")).ToList();
        try
        {
            var data = folders.Select(folder => Disk.DataFolder(folder.Combine("data"))).ToList();
            foreach (var (count, folder) in counts.Zip(data))
            {
                Row($"{count:N0} items made on disk (folders, item.json, index.json)", Ms(await TimeAsync(() => IndexBenchData.CreateAsync(folder, count))));
                var bytes = new FileInfo(folder.IndexFile).Length;
                Row($"{count:N0} items: index.json", $"{bytes / 1e6:0.0} MB ({bytes / count} B an item)");
            }
            // Creating a million folders leaves gigabytes to write back; changes timed meanwhile would measure that.
            Row("disk writeback settled (sync)", Ms(await TimeAsync(SyncAsync)));

            var changes = await ChangeBench.RunAsync(counts, data);
            var startups = new List<(int Count, TimeSpan Clean, TimeSpan AfterKill, long Resident)>();
            foreach (var (count, folder) in counts.Zip(data))
                startups.Add(await MeasureStartupAsync(folder, count));

            Console.WriteLine();
            foreach (var verdict in changes.Verdicts) Console.WriteLine(verdict);
            foreach (var (count, _, _, resident) in startups.Where(s => s.Count >= 100_000))
            {
                var limit = count >= 1_000_000 ? 1e9 : 200e6;
                Verdict($"broker RSS at {count:N0} under {limit / 1e6:0} MB ({resident / 1e6:0} MB)", resident < limit);
            }
            if (startups.FirstOrDefault(s => s.Count == 1_000_000) is { Count: > 0 } million)
            {
                Verdict($"start-up after a clean stop under 10 s at 1,000,000 ({million.Clean.TotalSeconds:0.0} s)", million.Clean < TimeSpan.FromSeconds(10));
                Verdict($"start-up after kill -9 under 20 s at 1,000,000 ({million.AfterKill.TotalSeconds:0.0} s)", million.AfterKill < TimeSpan.FromSeconds(20));
            }
            return 0;
        }
        finally
        {
            Console.WriteLine("  (removing the item folders)");
            // rm -rf takes a minute for a million folders; Directory.Delete, item by item, takes twenty.
            foreach (var folder in folders)
            {
                using (var remove = Process.Start("rm", ["-rf", folder.Path])) remove.WaitForExit();
                folder.Dispose();
            }
        }
    }

    /// <summary>What a user waits for: from starting the broker process to its API answering; and its memory.</summary>
    private static async Task<(int, TimeSpan, TimeSpan, long)> MeasureStartupAsync(DataFolder data, int count)
    {
        Console.WriteLine($"\nbroker process, {count:N0} items");
        var clean = new List<TimeSpan>();
        long resident = 0, peak = 0;
        for (var i = 0; i < 3; i++)
        {
            var (took, broker) = await StartBrokerAsync(data);
            clean.Add(took);
            await Task.Delay(TimeSpan.FromSeconds(2)); // let start-up garbage be collected before reading memory
            resident = Math.Max(resident, Resident(broker.Pid));
            peak = Math.Max(peak, PeakRss(broker.Pid));
            await broker.TerminateAsync();
            await broker.DisposeAsync();
            if (i == 0) Row("  its own account", Opened(data));
        }
        Row("start to answering, after a clean stop (median of 3)", Ms(Median(clean)));
        Row("resident memory after start (VmRSS; start-up peak)", $"{resident / 1e6:0} MB; {peak / 1e6:0} MB");

        var afterKill = new List<TimeSpan>();
        for (var i = 0; i < 2; i++)
        {
            var (_, victim) = await StartBrokerAsync(data);
            await victim.KillAsync();
            await victim.DisposeAsync();
            var (took, broker) = await StartBrokerAsync(data);
            afterKill.Add(took);
            await broker.TerminateAsync();
            await broker.DisposeAsync();
            if (i == 0) Row("  its own account", Opened(data));
        }
        Row("start to answering, after kill -9 (median of 2)", Ms(Median(afterKill)));
        return (count, Median(clean), Median(afterKill), resident);
    }

    /// <summary>The last start's own lines from the broker's log: where its time went.</summary>
    private static string Opened(DataFolder data)
    {
        var lines = Directory.EnumerateFiles(data.Logs).Order().SelectMany(File.ReadLines)
            .Where(line => line.Contains("Recovery: index.json read", StringComparison.Ordinal) || line.Contains("Opened ", StringComparison.Ordinal)).TakeLast(2);
        return string.Join("\n    ", lines.Select(line => line[line.IndexOf(": ", line.IndexOf(" [", StringComparison.Ordinal), StringComparison.Ordinal)..].TrimStart(':', ' ')));
    }

    private static async Task<(TimeSpan Took, BrokerProcess Broker)> StartBrokerAsync(DataFolder data)
    {
        var clock = Stopwatch.StartNew();
        var broker = await BrokerProcess.StartAsync(data.Root);
        await broker.Api.GetServerAsync();
        return (clock.Elapsed, broker);
    }

    private static async Task SyncAsync()
    {
        using var sync = Process.Start("sync")!;
        await sync.WaitForExitAsync();
    }
}
