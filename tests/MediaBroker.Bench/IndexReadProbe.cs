using System.Diagnostics;
using MediaBroker.Broker.Storage;
using MediaBroker.Testing;

namespace MediaBroker.Bench;

/// <summary>Where reading index.json's summaries spends its time, step by step: index-read DATA_FOLDER.</summary>
public static class IndexReadProbe
{
    public static int Run(string folder)
    {
        var data = Disk.DataFolder(folder);
        var cold = Stopwatch.StartNew();
        var first = SnapshotReader.Read(Disk.Real, data.IndexFile, new NameTable())!;
        Console.WriteLine($"cold SnapshotReader {cold.Elapsed.TotalMilliseconds:0} ms ({first.Items.Count} items)");
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            long lines = 0;
            using (var stream = File.OpenRead(data.IndexFile)) LineBlocks.Read(stream, (block, offset) => lines += block.Length);
            var read = clock.Elapsed;
            clock.Restart();
            long items = 0;
            var walker = new SnapshotLines();
            using (var stream = File.OpenRead(data.IndexFile)) LineBlocks.Read(stream, (block, offset) => items += walker.Items(block, offset).Count);
            var walked = clock.Elapsed;
            clock.Restart();
            var names = new NameTable();
            var one = 0L;
            var serialWalker = new SnapshotLines();
            using (var stream = File.OpenRead(data.IndexFile))
                LineBlocks.Read(stream, (block, offset) => { foreach (var line in serialWalker.Items(block, offset)) one += ItemSummaryJson.Read(line.Json.Span, names).Version; });
            var serial = clock.Elapsed;
            clock.Restart();
            var summaries = SnapshotReader.Read(Disk.Real, data.IndexFile, new NameTable())!;
            var parsed = clock.Elapsed;
            clock.Restart();
            var catalog = new ItemCatalog(false);
            catalog.Load(summaries.Items.ToDictionary(item => item.ItemId), new NameTable(), 1);
            var loaded = clock.Elapsed;
            Console.WriteLine($"read {read.TotalMilliseconds:0} ms; lines walked {walked.TotalMilliseconds:0} ms ({items} items); parsed on one core {serial.TotalMilliseconds:0} ms; SnapshotReader {parsed.TotalMilliseconds:0} ms; catalog load {loaded.TotalMilliseconds:0} ms");
        }
        return 0;
    }
}
