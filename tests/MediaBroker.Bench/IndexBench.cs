using System.Text.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The cost of adding and reading an item with 1,000 and with 100,000 items in the store, with the background index
/// writer running as in a real broker; and the start-up time with 100,000 items.
/// </summary>
public static class IndexBench
{
    private const int Samples = 300;

    public static async Task<int> RunAsync()
    {
        Console.WriteLine("index: cost per change must not grow with the number of items");
        using var folder = new TempFolder("bench-index");
        await MeasureAsync(folder, 200, quiet: true); // warm-up: the first figures would otherwise include JIT time
        var small = await MeasureAsync(folder, 1_000);
        var large = await MeasureAsync(folder, 100_000);

        Console.WriteLine();
        Row("add, 100,000 / 1,000", Ratio(large.Add / small.Add));
        Row("read, 100,000 / 1,000", Ratio(large.Read / small.Read));
        Row("store start-up, 100,000 items, after a clean stop", Ms(large.Startup));
        Row("broker process start to ready, 100,000 items, clean stop", Ms(large.ProcessStartup));
        Row("broker process start to ready, 100,000 items, after SIGKILL", Ms(large.ProcessStartupAfterKill));
        Row("broker process start to ready, 1,000 items, clean stop", Ms(small.ProcessStartup));
        Verdict("add and read at 100,000 within 2x of 1,000", large.Add / small.Add <= 2 && large.Read / small.Read <= 2);
        Verdict("start-up under 2 s (broker process, 100,000 items)", large.ProcessStartup < TimeSpan.FromSeconds(2));
        return 0;
    }

    private sealed record Figures(TimeSpan Add, TimeSpan Read, TimeSpan Startup, TimeSpan Rebuild, TimeSpan ProcessStartup, TimeSpan ProcessStartupAfterKill);

    private static async Task<Figures> MeasureAsync(TempFolder folder, int count, bool quiet = false)
    {
        var data = Disk.DataFolder(folder.Combine($"data-{count}"));
        data.EnsureCreated();
        var output = Console.Out;
        if (quiet) Console.SetOut(TextWriter.Null);
        try
        {
            return await MeasureAsync(data, count);
        }
        finally
        {
            Console.SetOut(output);
        }
    }

    private static async Task<ItemStore> OpenStoreAsync(DataFolder data, bool previousRunStoppedCleanly)
    {
        var store = new ItemStore(data, Disk.Real, TimeProvider.System, new BrokerSettings(), NullLogger<ItemStore>.Instance);
        await store.OpenAsync(previousRunStoppedCleanly);
        return store;
    }

    private static async Task<Figures> MeasureAsync(DataFolder data, int count)
    {
        Console.WriteLine($"\n{count:N0} items");
        var created = await Measure.TimeAsync(() => CreateOnDiskAsync(data, count));
        Row("made on disk (item folders and item.json)", Ms(created));

        ItemStore? store = null;
        var rebuild = await Measure.TimeAsync(async () => store = await OpenStoreAsync(data, previousRunStoppedCleanly: false));
        Row("first start, no index.json (rebuild)", Ms(rebuild));
        var indexBytes = new FileInfo(data.IndexFile).Length;
        Row("index.json size", $"{indexBytes / 1e6:0.0} MB");

        var startups = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
            startups.Add(await Measure.TimeAsync(async () => store = await OpenStoreAsync(data, previousRunStoppedCleanly: true)));
        var startup = Median(startups);
        Row("store start-up, after a clean stop (median of 3)", Ms(startup));

        // As in a broker: every change marks the index dirty and the writer rewrites it in the background.
        using var writer = new IndexWriter(store!, Disk.Real, TimeProvider.System, NullLogger<IndexWriter>.Instance);
        store!.IndexDirty += writer.MarkDirty;
        await writer.StartAsync(CancellationToken.None);
        var adds = new List<TimeSpan>();
        var added = new List<Guid>();
        for (var i = 0; i < Samples; i++)
        {
            var staging = Directory.CreateDirectory(Path.Combine(data.Incoming, $"post-{Guid.NewGuid():N}")).FullName;
            var content = Guid.NewGuid().ToByteArray();
            await File.WriteAllBytesAsync(Path.Combine(staging, ItemFiles.Input), content);
            var draft = ItemDrafts.Draft(content);
            adds.Add(await Measure.TimeAsync(async () => added.Add((await store!.CreateAsync(staging, draft)).Item.ItemId)));
        }
        var reads = new List<TimeSpan>();
        var random = new Random(1);
        var sink = 0L;
        for (var i = 0; i < Samples * 10; i++)
        {
            var id = added[random.Next(added.Count)];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var item = store!.Get(id)!;
            sink += JsonSerializer.SerializeToUtf8Bytes(item, WireJsonContext.Default.Item).Length;
            reads.Add(clock.Elapsed);
        }
        await writer.StopAsync(CancellationToken.None);
        var rewrite = await Measure.TimeAsync(() => store!.WriteIndexAsync());
        Row("one index.json rewrite (in the background, coalesced)", Ms(rewrite));
        var add = Median(adds);
        var read = Median(reads);
        Row("add an item (median; fsync'd item.json + rename)", Ms(add));
        Row("read an item as JSON (median)", Us(read));
        GC.KeepAlive(sink);

        // What a user waits for: from starting media-broker to its API answering.
        var processStartups = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            BrokerProcess? broker = null;
            processStartups.Add(await Measure.TimeAsync(async () => broker = await BrokerProcess.StartAsync(data.Root)));
            await broker!.TerminateAsync();
            await broker.DisposeAsync();
        }
        var processStartup = Median(processStartups);
        Row("broker process start to ready, clean stop (median of 3)", Ms(processStartup));
        var killed = await BrokerProcess.StartAsync(data.Root);
        await killed.KillAsync();
        await killed.DisposeAsync();
        BrokerProcess? afterKill = null;
        var processStartupAfterKill = await Measure.TimeAsync(async () => afterKill = await BrokerProcess.StartAsync(data.Root));
        await afterKill!.TerminateAsync();
        await afterKill.DisposeAsync();
        Row("broker process start to ready, after SIGKILL (every folder checked)", Ms(processStartupAfterKill));
        return new Figures(add, read, startup, rebuild, processStartup, processStartupAfterKill);
    }

    internal static Task CreateOnDiskAsync(DataFolder data, int count)
    {
        var now = DateTimeOffset.UtcNow;
        return Parallel.ForEachAsync(Enumerable.Range(0, count), async (i, ct) =>
        {
            var content = BitConverter.GetBytes(i);
            var status = ItemStatuses.All[i % 2 == 0 ? 2 : i % 3 == 0 ? 3 : 0];
            var item = ItemDrafts.Draft(content, $"film {i}.mp4") with
            {
                Status = status, CreatedAt = now.AddTicks(i), UpdatedAt = now, QueuedAt = now, Version = 1,
                Output = status == ItemStatus.FinishedSuccessful ? new ItemOutput($"film {i}.mkv", Sha512Hex.Of(content), 1_500_000_000) : null,
                Media = new MediaInfo
                {
                    Type = MediaTypes.Video, Container = "matroska,webm", DurationSeconds = 5400, Width = 1920, Height = 1080,
                    Streams = [new MediaStream(0, "video", "h264"), new MediaStream(1, "audio", "aac", "eng"), new MediaStream(2, "subtitle", "subrip", "eng")],
                },
            };
            var folder = Directory.CreateDirectory(data.ItemFolder(item)).FullName;
            await File.WriteAllBytesAsync(Path.Combine(folder, ItemFiles.Metadata), JsonSerializer.SerializeToUtf8Bytes(item, WireJsonContext.Default.Item), ct);
        });
    }
}
