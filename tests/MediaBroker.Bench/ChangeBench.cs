using System.Diagnostics;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The cost of a change in stores of different sizes, opened side by side in this process with their index writers
/// running as in a broker, measured in alternating rounds: on a shared machine the noise of a round hits every size
/// alike, and the ratios are taken round by round.
/// </summary>
public static class ChangeBench
{
    private const int Rounds = 6;
    private const int PerRound = 50;

    public sealed record Result(IReadOnlyList<string> Verdicts);

    public static async Task<Result> RunAsync(IReadOnlyList<int> counts, IReadOnlyList<DataFolder> data)
    {
        Console.WriteLine();
        var stores = new List<(ItemStore Store, IndexWriter Writer)>();
        foreach (var (count, folder) in counts.Zip(data))
        {
            var store = new ItemStore(folder, Disk.Real, TimeProvider.System, new BrokerSettings(), NullLogger<ItemStore>.Instance);
            Row($"{count:N0} items: store opened in this process (clean)", Ms(await TimeAsync(() => store.OpenAsync(previousRunStoppedCleanly: true))));
            var writer = new IndexWriter(store, TimeProvider.System, NullLogger<IndexWriter>.Instance);
            store.IndexDirty += writer.MarkDirty;
            await writer.StartAsync(CancellationToken.None);
            stores.Add((store, writer));
        }

        var adds = counts.Select(_ => new List<TimeSpan>()).ToList();
        var moves = counts.Select(_ => new List<TimeSpan>()).ToList();
        var addRatios = new List<double>();
        var moveRatios = new List<double>();
        var bytesBefore = stores.Select(s => s.Store.Index.BytesWritten).ToList();
        var lineBytes = counts.Select(_ => new List<double>()).ToList();
        for (var round = 0; round < Rounds; round++)
        {
            var roundAdds = new List<TimeSpan>();
            var roundMoves = new List<TimeSpan>();
            for (var s = 0; s < stores.Count; s++)
            {
                var (add, move, line) = await RoundAsync(stores[s].Store, data[s]);
                adds[s].AddRange(add);
                moves[s].AddRange(move);
                lineBytes[s].Add(line);
                roundAdds.Add(Median(add));
                roundMoves.Add(Median(move));
            }
            addRatios.Add(roundAdds[^1] / roundAdds[0]);
            moveRatios.Add(roundMoves[^1] / roundMoves[0]);
        }
        foreach (var (store, writer) in stores) await writer.StopAsync(CancellationToken.None);

        var verdicts = new List<string>();
        for (var s = 0; s < stores.Count; s++)
        {
            Console.WriteLine($"\n{counts[s]:N0} items");
            Row("add an item (median; item.json fsync'd, folder renamed, journaled)", Ms(Median(adds[s])));
            Row("state change (median; to_do -> finished_with_errors)", Ms(Median(moves[s])));
            var changes = adds[s].Count + moves[s].Count;
            var line = lineBytes[s].Average();
            // A snapshot of S bytes is rewritten once the journal reaches S/4, that is after S/(4 x lines) changes: each
            // change writes its lines and, spread over those changes, four times as much snapshot, whatever the count.
            Row("index bytes written per change (measured in this run)", $"{(stores[s].Store.Index.BytesWritten - bytesBefore[s]) / (double)changes:0} B");
            Row("index bytes per change, steady (lines + snapshot share)", $"{line * (1 + StoreIndex.JournalShareDivisor):0} B (intent and change lines: {line:0} B)");
        }
        Console.WriteLine();
        Row($"add, {counts[^1]:N0} / {counts[0]:N0}", RatioWithSpread(addRatios));
        Row($"state change, {counts[^1]:N0} / {counts[0]:N0}", RatioWithSpread(moveRatios));
        var met = Median(addRatios) <= 1.5 && Median(moveRatios) <= 1.5;
        verdicts.Add($"  target: add and state change at {counts[^1]:N0} within 1.5x of {counts[0]:N0} (median ratio of {Rounds} rounds) -> {(met ? "met" : "NOT met")}");
        var steadyFirst = lineBytes[0].Average();
        var steadyLast = lineBytes[^1].Average();
        verdicts.Add($"  target: bytes per change bounded, not growing with the count ({steadyFirst * 5:0} B at {counts[0]:N0}, {steadyLast * 5:0} B at {counts[^1]:N0}) -> {(steadyLast <= steadyFirst * 1.5 ? "met" : "NOT met")}");
        return new Result(verdicts);
    }

    /// <summary>Adds, then moves each added item to finished_with_errors; and the journal line of an add.</summary>
    private static async Task<(List<TimeSpan> Adds, List<TimeSpan> Moves, double LineBytes)> RoundAsync(ItemStore store, DataFolder data)
    {
        var adds = new List<TimeSpan>();
        var added = new List<Guid>();
        for (var i = 0; i < PerRound; i++)
        {
            var staging = Directory.CreateDirectory(Path.Combine(data.Incoming, $"post-{Guid.NewGuid():N}")).FullName;
            var content = Guid.NewGuid().ToByteArray();
            await File.WriteAllBytesAsync(Path.Combine(staging, ItemFiles.Input), content);
            var draft = ItemDrafts.Draft(content);
            var clock = Stopwatch.StartNew();
            added.Add((await store.CreateAsync(staging, draft)).Item.ItemId);
            adds.Add(clock.Elapsed);
        }
        // The lines each add wrote (its intent, its change), made again: the journal itself may have started again meanwhile.
        var line = added.Average(id => (double)JournalLine.Changed(store.Version, store.Get(id)!).Length + JournalLine.Intent(id).Length);
        var moves = new List<TimeSpan>();
        foreach (var id in added)
            moves.Add(await TimeAsync(() => store.UpdateAsync(id, item => item with { Status = ItemStatus.FinishedWithErrors, Errors = ["bench"] })));
        return (adds, moves, line);
    }
}
