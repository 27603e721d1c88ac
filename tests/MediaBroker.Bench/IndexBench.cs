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
        var figures = new List<Figures>();
        foreach (var count in counts)
        {
            using var folder = new TempFolder($"bench-index-{count}");
            figures.Add(await MeasureAsync(Disk.DataFolder(folder.Combine("data")), count));
            Console.WriteLine($"  (removing the {count:N0} item folders)");
        }

        var small = figures[0];
        var large = figures[^1];
        Console.WriteLine();
        Row($"add, {large.Count:N0} / {small.Count:N0}", Ratio(large.Add / small.Add));
        Row($"state change, {large.Count:N0} / {small.Count:N0}", Ratio(large.StateChange / small.StateChange));
        foreach (var f in figures)
            Row($"index bytes per change, {f.Count:N0} (measured; steady)", $"{f.BytesPerChange:0} B; {f.SteadyBytesPerChange:0} B");
        Verdict($"add and state change at {large.Count:N0} within 1.5x of {small.Count:N0}", large.Add / small.Add <= 1.5 && large.StateChange / small.StateChange <= 1.5);
        Verdict("bytes per change bounded (steady figure within 1.5x from smallest to largest)", large.SteadyBytesPerChange <= small.SteadyBytesPerChange * 1.5);
        foreach (var f in figures.Where(f => f.Count >= 100_000))
        {
            var memoryLimit = f.Count >= 1_000_000 ? 1e9 : 200e6;
            Verdict($"broker RSS at {f.Count:N0} under {memoryLimit / 1e6:0} MB", f.Resident < memoryLimit);
        }
        if (figures.FirstOrDefault(f => f.Count == 1_000_000) is { } million)
        {
            Verdict("start-up after a clean stop under 10 s at 1,000,000", million.StartClean < TimeSpan.FromSeconds(10));
            Verdict("start-up after kill -9 under 20 s at 1,000,000", million.StartAfterKill < TimeSpan.FromSeconds(20));
        }
        return 0;
    }

    private sealed record Figures(int Count, TimeSpan Add, TimeSpan StateChange, double BytesPerChange, double SteadyBytesPerChange,
        TimeSpan StartClean, TimeSpan StartAfterKill, long Resident);

    private static async Task<Figures> MeasureAsync(DataFolder data, int count)
    {
        Console.WriteLine($"\n{count:N0} items");
        Row("made on disk (item folders, item.json, index.json)", Ms(await TimeAsync(() => IndexBenchData.CreateAsync(data, count))));
        var snapshotBytes = new FileInfo(data.IndexFile).Length;
        Row("index.json size", $"{snapshotBytes / 1e6:0.0} MB ({snapshotBytes / count} B an item)");
        Row("disk writeback settled (sync)", Ms(await TimeAsync(SyncAsync)));

        var (add, change, perChange, lineBytes) = await MeasureChangesAsync(data);
        // A snapshot of S bytes is rewritten once the journal reaches S/4, that is after S/(4 x line) changes: each change
        // writes its line and, spread over those changes, 4 lines' worth of snapshot, whatever the number of items.
        var steady = lineBytes * (1 + StoreIndex.JournalShareDivisor);
        Row("add an item (median; item.json fsync'd, folder renamed, journaled)", Ms(add));
        Row("state change (median; to_do -> finished_with_errors)", Ms(change));
        Row("index bytes written per change (measured in this run)", $"{perChange:0} B");
        Row("journal line", $"{lineBytes:0} B");
        Row("index bytes per change, steady (line + snapshot share)", $"{steady:0} B");

        // What a user waits for: from starting the broker process to its API answering.
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
        }
        Row("broker start to answering, after a clean stop (median of 3)", Ms(Median(clean)));
        Row("broker resident memory after start (VmRSS; start-up peak)", $"{resident / 1e6:0} MB; {peak / 1e6:0} MB");

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
        }
        Row("broker start to answering, after kill -9 (median of 2)", Ms(Median(afterKill)));
        return new Figures(count, add, change, perChange, steady, Median(clean), Median(afterKill), resident);
    }

    /// <summary>Adds and state changes in a store opened in this process, the index writer running as in a broker.</summary>
    private static async Task<(TimeSpan Add, TimeSpan Change, double BytesPerChange, double LineBytes)> MeasureChangesAsync(DataFolder data)
    {
        var store = new ItemStore(data, Disk.Real, TimeProvider.System, new BrokerSettings(), NullLogger<ItemStore>.Instance);
        var opening = Stopwatch.StartNew();
        await store.OpenAsync(previousRunStoppedCleanly: true);
        Row("store opened in this process (clean)", Ms(opening.Elapsed));
        using var writer = new IndexWriter(store, TimeProvider.System, NullLogger<IndexWriter>.Instance);
        store.IndexDirty += writer.MarkDirty;
        await writer.StartAsync(CancellationToken.None);

        var bytesBefore = store.Index.BytesWritten;
        var journalBefore = new FileInfo(data.JournalFile).Length;
        var adds = new List<TimeSpan>();
        var added = new List<Guid>();
        for (var i = 0; i < Samples; i++)
        {
            var staging = Directory.CreateDirectory(Path.Combine(data.Incoming, $"post-{Guid.NewGuid():N}")).FullName;
            var content = Guid.NewGuid().ToByteArray();
            await File.WriteAllBytesAsync(Path.Combine(staging, ItemFiles.Input), content);
            var draft = ItemDrafts.Draft(content);
            adds.Add(await TimeAsync(async () => added.Add((await store.CreateAsync(staging, draft)).Item.ItemId)));
        }
        var lineBytes = (double)(new FileInfo(data.JournalFile).Length - journalBefore) / Samples;
        var changes = new List<TimeSpan>();
        foreach (var id in added)
            changes.Add(await TimeAsync(() => store.UpdateAsync(id, item => item with { Status = ItemStatus.FinishedWithErrors, Errors = ["bench"] })));
        await writer.StopAsync(CancellationToken.None);
        var perChange = (double)(store.Index.BytesWritten - bytesBefore) / (adds.Count + changes.Count);
        return (Median(adds), Median(changes), perChange, lineBytes);
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
