using System.Diagnostics;
using System.Globalization;
using System.Net;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// Many clients at once against one broker on loopback: each uploads small pictures and polls their status until
/// converted, for a bounded time. Then the broker's memory with 100,000 items in its index.
/// </summary>
public static class LoadBench
{
    private const int Clients = 50;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("bench-load");
        Console.WriteLine($"load: {Clients} clients at once, uploading small pictures and polling their status, for {Duration.TotalSeconds:0} s");
        var config = folder.WriteFile("broker.json", """{ "min_free_bytes": 0, "number_of_conversion_threads": 2 }"""u8.ToArray());
        await using var broker = await BrokerProcess.StartAsync(folder.Combine("broker"), configPath: config);
        var pictures = new List<byte[]>();
        for (var i = 0; i < 400; i++) pictures.Add(await File.ReadAllBytesAsync(await TestMedia.ImageAsync(folder.Combine("pictures", $"p{i}.png"), size: "32x24", seed: 5000 + i)));

        var statusTimes = new List<double>();
        var requests = 0;
        var errors = new List<string>();
        var next = -1;
        var converted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = broker.Url, Timeout = TimeSpan.FromSeconds(60) };
            var api = new MediaBroker.Shared.Api.BrokerApiClient(http);
            while (clock.Elapsed < Duration)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= pictures.Count) break;
                try
                {
                    using var body = new MemoryStream(pictures[index]);
                    var (item, _) = await api.UploadAsync(body, $"p{index}.png", "webp", Sha512Hex.Of(pictures[index]), $"client{client}");
                    Interlocked.Increment(ref requests);
                    while (clock.Elapsed < Duration + TimeSpan.FromSeconds(30))
                    {
                        var started = Stopwatch.GetTimestamp();
                        using var answer = await http.GetAsync($"api/items/{item.ItemId}");
                        var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        Interlocked.Increment(ref requests);
                        lock (statusTimes) statusTimes.Add(took);
                        if (answer.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"status {answer.StatusCode}");
                        var current = await System.Text.Json.JsonSerializer.DeserializeAsync(await answer.Content.ReadAsStreamAsync(), MediaBroker.Shared.Json.WireJsonContext.Default.Item);
                        if (current!.Status.IsFinished())
                        {
                            if (current.Status != ItemStatus.FinishedSuccessful) throw new InvalidOperationException($"p{index}: {string.Join(" / ", current.Errors)}");
                            Interlocked.Increment(ref converted);
                            break;
                        }
                        await Task.Delay(PollEvery);
                    }
                }
                catch (Exception error)
                {
                    lock (errors) errors.Add(error.Message);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        var peak = PeakRss(broker.Pid);
        statusTimes.Sort();

        Row("requests (uploads and status calls)", requests.ToString(CultureInfo.InvariantCulture));
        Row("requests per second", (requests / elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture));
        Row("pictures converted", converted.ToString(CultureInfo.InvariantCulture));
        Row("status call p50", $"{Percentile(statusTimes, 0.50):0.0} ms");
        Row("status call p99", $"{Percentile(statusTimes, 0.99):0.0} ms");
        Row("errors", errors.Count == 0 ? "0" : $"{errors.Count}: {string.Join(" / ", errors.Distinct().Take(3))}");
        Row("broker peak RSS", $"{peak / 1e6:0} MB");
        Verdict($"{Clients} clients, 0 errors, status p99 under 50 ms", errors.Count == 0 && Percentile(statusTimes, 0.99) < 50);
        await broker.TerminateAsync();

        await MemoryAt100kAsync(folder);
        return 0;
    }

    /// <summary>Resident memory of a broker that has just opened 100,000 items (after a clean stop: the index read as it is).</summary>
    private static async Task MemoryAt100kAsync(TempFolder folder)
    {
        Console.WriteLine("\nmemory: a broker holding 100,000 items");
        var data = Disk.DataFolder(folder.Combine("hundred-thousand"));
        data.EnsureCreated();
        await IndexBenchData.CreateAsync(data, 100_000);
        await using (var first = await BrokerProcess.StartAsync(data.Root)) await first.TerminateAsync(); // writes index.json
        await using var broker = await BrokerProcess.StartAsync(data.Root);
        var resident = Resident(broker.Pid);
        var empty = folder.Combine("empty");
        await using var idle = await BrokerProcess.StartAsync(empty);
        var baseline = Resident(idle.Pid);
        Row("resident, 100,000 items", $"{resident / 1e6:0} MB");
        Row("resident, no items", $"{baseline / 1e6:0} MB");
        Row("per item", $"{(resident - baseline) / 100_000.0 / 1024:0.0} KB");
        Verdict("a broker holding 100,000 items under 200 MB resident", resident < 200e6);
        await broker.TerminateAsync();
        await idle.TerminateAsync();
    }

    private static double Percentile(List<double> sorted, double share) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, sorted.Count * share)];

}
