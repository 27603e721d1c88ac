using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.ServerSentEvents;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// 200 open <c>GET /api/events</c> streams against the broker's other requests. One broker process holding a few
/// hundred items; ordinary requests (the newest 50 items, the figures, the server, one item) timed from a few loops,
/// in rounds with no stream open (A) and rounds with 200 streams open and drained by this process (B), interleaved
/// A B A B … so that both sides see the same moods of a shared machine. A small picture is uploaded every 200 ms
/// through every round of both sides, so that the streams carry item and stats events while they are measured and the
/// one difference between the sides is the streams (uploads in B alone would measure conversions, not streams).
/// </summary>
public static class EventsBench
{
    private const int Streams = 200;
    private const int Rounds = 5;
    private const int RequestsPerRound = 4000;
    private const int Loops = 2;
    private const int IndexItems = 500;
    private const int Pictures = 900;
    private const double Target = 1.25;
    private static readonly TimeSpan UploadEvery = TimeSpan.FromMilliseconds(200);

    private static readonly string[] Kinds = ["items?limit=50&order=newest", "stats", "server", "items/{id}"];

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("bench-events");
        Console.WriteLine($"events: ordinary requests with 0 and with {Streams} open /api/events streams, {Rounds} rounds of each, interleaved");
        Console.WriteLine($"  each round: {RequestsPerRound:N0} requests from {Loops} loops, in turn {string.Join(", ", Kinds.Select(kind => "GET /api/" + kind))}");
        Console.WriteLine($"  both sides: a small picture uploaded every {UploadEvery.TotalMilliseconds:0} ms (item and stats events for the streams to carry)");
        var data = Disk.DataFolder(folder.Combine("broker"));
        await IndexBenchData.CreateAsync(data, IndexItems);
        var ids = Enumerable.Range(0, IndexItems).Select(i => IndexBenchData.ItemNumber(i, default).ItemId).ToArray();
        var pictures = await PicturesAsync(folder);
        var config = folder.WriteFile("broker.json", """{ "min_free_bytes": 0, "number_of_conversion_threads": 1 }"""u8.ToArray());
        await using var broker = await BrokerProcess.StartAsync(data.Root, configPath: config);
        Console.WriteLine($"  broker: pid {broker.Pid} at {broker.Url}, {IndexItems} items in its index; {pictures.Count} distinct pictures to upload");

        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = broker.Url, Timeout = TimeSpan.FromSeconds(60) };
        await using var memory = new RssSampler(broker.Pid);
        await using var uploads = Uploader.Start(broker, pictures);

        // The requests' code warms up here; the streams' in each B round before it is measured (each stream waits for an event).
        Console.WriteLine($"  warming up: {RequestsPerRound:N0} requests, discarded");
        memory.Phase = RssSampler.BeforeAnyStream;
        await RequestsAsync(http, ids, RequestsPerRound);

        var a = new List<Round>();
        var b = new List<Round>();
        for (var number = 1; number <= Rounds; number++)
        {
            // A: no stream open. The streams of the last B round are gone (the broker's open files show it).
            var round = await MeasureAsync(broker, http, ids, uploads, null);
            a.Add(round);
            Report($"round {number} A, 0 streams", round);

            memory.Phase = RssSampler.WithStreams;
            var opening = Stopwatch.StartNew();
            await using (var streams = await OpenStreams.OpenAsync(broker.Url, Streams))
            {
                var opened = opening.Elapsed;
                await streams.UntilEachHeardAsync(TimeSpan.FromSeconds(20));
                Console.WriteLine($"  round {number} B: {Streams} streams open in {Ms(opened)}, each has had an event after {Ms(opening.Elapsed)}");
                round = await MeasureAsync(broker, http, ids, uploads, streams);
                b.Add(round);
                Report($"round {number} B, {Streams} streams", round);
            }
            memory.Phase = RssSampler.AfterStreams;
            await Task.Delay(500); // the broker notices the closed connections
        }
        var uploaded = uploads.Stop();
        var hwm = PeakRss(broker.Pid);
        await memory.DisposeAsync();

        Console.WriteLine();
        Row("median (ms), A / B, round by round", string.Join("   ", a.Zip(b, (x, y) => $"{x.Median:0.000} / {y.Median:0.000}")));
        Row("p95 (ms), A / B, round by round", string.Join("   ", a.Zip(b, (x, y) => $"{x.P95:0.000} / {y.P95:0.000}")));
        Row("p99 (ms), A / B, round by round", string.Join("   ", a.Zip(b, (x, y) => $"{x.P99:0.000} / {y.P99:0.000}")));
        Row("requests/s, A / B, round by round", string.Join("   ", a.Zip(b, (x, y) => $"{x.PerSecond:0} / {y.PerSecond:0}")));
        for (var kind = 0; kind < Kinds.Length; kind++)
            Row($"median, A / B: {Kinds[kind]}", $"{Median(a.Select(r => r.KindMedians[kind])):0.000} / {Median(b.Select(r => r.KindMedians[kind])):0.000} ms");
        Row($"broker CPU, A / B (cores busy, of {Environment.ProcessorCount})", $"{Median(a.Select(r => r.BrokerCores)):0.00} / {Median(b.Select(r => r.BrokerCores)):0.00}");
        Row("bench process CPU, A / B (cores busy)", $"{Median(a.Select(r => r.BenchCores)):0.00} / {Median(b.Select(r => r.BenchCores)):0.00}");
        Row("broker CPU per request, A / B (uploads included)", $"{Median(a.Select(r => r.BrokerCpuPerRequest)) * 1e6:0} / {Median(b.Select(r => r.BrokerCpuPerRequest)) * 1e6:0} µs");
        Row("CPU s per round, A / B: broker", $"{Median(a.Select(r => r.BrokerCpu)):0.00} / {Median(b.Select(r => r.BrokerCpu)):0.00} s");
        Row("CPU s per round, A / B: bench process", $"{Median(a.Select(r => r.BenchCpu)):0.00} / {Median(b.Select(r => r.BenchCpu)):0.00} s");
        // What the streams cost per event written to one stream and read from it: the extra CPU of a B round over its A
        // (an upper bound: a slower B round also takes in more uploads).
        var brokerPerEvent = a.Zip(b, (x, y) => (y.BrokerCpu - x.BrokerCpu) / y.Events).ToList();
        var benchPerEvent = a.Zip(b, (x, y) => (y.BenchCpu - x.BenchCpu) / y.Events).ToList();
        Row("extra CPU per event on one stream: broker / bench", $"at most {Median(brokerPerEvent) * 1e6:0} / {Median(benchPerEvent) * 1e6:0} µs");
        Row("events received across streams, B rounds", $"{string.Join(" / ", b.Select(r => r.Events.ToString("N0", CultureInfo.InvariantCulture)))} "
            + $"(item {b.Sum(r => r.ItemEvents):N0}, stats {b.Sum(r => r.StatsEvents):N0}; fewest on one stream in a round: {b.Min(r => r.FewestOnAStream)})");
        Row("streams that ended or failed before they were closed", b.Sum(r => r.StreamsLost).ToString(CultureInfo.InvariantCulture));
        Row("pictures uploaded (failed)", $"{uploaded.Done} ({uploaded.Failed}{(uploaded.FirstError is { } first ? ": " + first : "")})");
        Row("broker open files, A / B", $"{Median(a.Select(r => (double)r.OpenFiles)):0} / {Median(b.Select(r => (double)r.OpenFiles)):0}");
        Row("broker peak RSS, 0 streams (warm-up and round 1 A)", $"{memory.Peak(RssSampler.BeforeAnyStream) / 1e6:0.0} MB");
        Row($"broker peak RSS, {Streams} streams open", $"{memory.Peak(RssSampler.WithStreams) / 1e6:0.0} MB");
        Row("broker peak RSS, 0 streams (later A rounds)", $"{memory.Peak(RssSampler.AfterStreams) / 1e6:0.0} MB");
        Row("broker VmHWM at the end", $"{hwm / 1e6:0.0} MB");
        var medianRatios = a.Zip(b, (x, y) => y.Median / x.Median).ToList();
        var p95Ratios = a.Zip(b, (x, y) => y.P95 / x.P95).ToList();
        var p99Ratios = a.Zip(b, (x, y) => y.P99 / x.P99).ToList();
        var rateRatios = a.Zip(b, (x, y) => y.PerSecond / x.PerSecond).ToList();
        Row($"B / A median latency ({Streams} streams / none)", RatioWithSpread(medianRatios));
        Row($"B / A p95 latency", RatioWithSpread(p95Ratios));
        Row($"B / A p99 latency", RatioWithSpread(p99Ratios));
        Row($"B / A requests per second", RatioWithSpread(rateRatios));
        Verdict($"{Streams} streams slow other requests by less than {Target:0.00}x at the median (p95 shown: {Ratio(Median(p95Ratios))})", Median(medianRatios) < Target);
        await broker.TerminateAsync();
        return 0;
    }

    private static void Report(string label, Round round)
    {
        Row(label, $"median {round.Median:0.000} / p95 {round.P95:0.000} / p99 {round.P99:0.000} ms, {round.PerSecond:0} req/s");
        if (round.Events > 0)
            Row("", $"{round.Events:N0} events over the streams (item {round.ItemEvents:N0}, stats {round.StatsEvents:N0}), at least {round.FewestOnAStream} on each; {round.Uploads} uploads");
    }

    /// <summary>Distinct small PNGs from one ffmpeg run: a test picture with noise that changes every frame.</summary>
    private static async Task<List<(byte[] Content, string Sha512)>> PicturesAsync(TempFolder folder)
    {
        var target = Directory.CreateDirectory(folder.Combine("pictures")).FullName;
        await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-vf", "noise=alls=30:allf=t",
            "-frames:v", Pictures.ToString(CultureInfo.InvariantCulture), Path.Combine(target, "p%04d.png")]);
        var pictures = new List<(byte[], string)>();
        var seen = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(target, "*.png").Order(StringComparer.Ordinal))
        {
            var content = await File.ReadAllBytesAsync(file);
            var sha = Sha512Hex.Of(content);
            if (seen.Add(sha)) pictures.Add((content, sha));
        }
        return pictures;
    }

    private sealed record Round(double[] Sorted, double[] KindMedians, TimeSpan Wall, double BrokerCpu, double BenchCpu, int OpenFiles, int Uploads,
        long Events, long ItemEvents, long StatsEvents, long FewestOnAStream, int StreamsLost)
    {
        public double Median => Percentile(0.50);
        public double P95 => Percentile(0.95);
        public double P99 => Percentile(0.99);
        public double PerSecond => Sorted.Length / Wall.TotalSeconds;
        public double BrokerCpuPerRequest => BrokerCpu / Sorted.Length;
        public double BenchCpuPerRequest => BenchCpu / Sorted.Length;
        public double BrokerCores => BrokerCpu / Wall.TotalSeconds;
        public double BenchCores => BenchCpu / Wall.TotalSeconds;
        private double Percentile(double share) => Sorted[(int)Math.Min(Sorted.Length - 1, Sorted.Length * share)];
    }

    private static async Task<Round> MeasureAsync(BrokerProcess broker, HttpClient http, Guid[] ids, Uploader uploads, OpenStreams? streams)
    {
        var before = streams?.Snapshot();
        var uploadsBefore = uploads.Done;
        var brokerCpu = CpuSeconds(broker.Pid);
        var benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var openFiles = Directory.GetFiles($"/proc/{broker.Pid}/fd").Length;
        var (samples, wall) = await RequestsAsync(http, ids, RequestsPerRound);
        brokerCpu = CpuSeconds(broker.Pid) - brokerCpu;
        benchCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - benchCpu;
        var after = streams?.Snapshot();
        long[] heard = before is null ? [] : after!.Zip(before, (x, y) => x.Total - y.Total).ToArray();
        return new Round(
            samples.Select(sample => sample.Ms).Order().ToArray(),
            Enumerable.Range(0, Kinds.Length).Select(kind => Measure.Median(samples.Where(sample => sample.Kind == kind).Select(sample => sample.Ms))).ToArray(),
            wall, brokerCpu, benchCpu, openFiles, uploads.Done - uploadsBefore,
            heard.Sum(), before is null ? 0 : after!.Sum(x => x.Item) - before.Sum(x => x.Item), before is null ? 0 : after!.Sum(x => x.Stats) - before.Sum(x => x.Stats),
            heard.Length == 0 ? 0 : heard.Min(), streams?.Lost ?? 0);
    }

    /// <summary><paramref name="count"/> GETs from <see cref="Loops"/> loops, each timed to its last byte; every answer must be 200.</summary>
    private static async Task<((int Kind, double Ms)[] Samples, TimeSpan Wall)> RequestsAsync(HttpClient http, Guid[] ids, int count)
    {
        var samples = new (int Kind, double Ms)[count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Loops).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var kind = i % Kinds.Length;
                var path = "api/" + (kind == 3 ? $"items/{ids[(int)((long)i * 7919 % ids.Length)]:D}" : Kinds[kind]);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                var took = Stopwatch.GetElapsedTime(started);
                if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode}");
                samples[i] = (kind, took.TotalMilliseconds);
            }
        })));
        return (samples, clock.Elapsed);
    }

    /// <summary>Open <c>/api/events</c> streams, each read to the end by a task of its own with .NET's SseParser.</summary>
    private sealed class OpenStreams : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly CancellationTokenSource _stop = new();
        private readonly Counts[] _counts;
        private readonly List<Task> _readers = [];
        private int _lost;
        private string? _firstError;

        private OpenStreams(HttpClient http, int count)
        {
            _http = http;
            _counts = Enumerable.Range(0, count).Select(_ => new Counts()).ToArray();
        }

        public int Lost => Volatile.Read(ref _lost);

        public static async Task<OpenStreams> OpenAsync(Uri url, int count)
        {
            // A client of their own: their connections are not the measured requests' pool.
            var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
            var streams = new OpenStreams(http, count);
            var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/events"), HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                return response;
            }));
            for (var i = 0; i < count; i++)
            {
                var (counts, response) = (streams._counts[i], responses[i]);
                streams._readers.Add(Task.Run(() => streams.DrainAsync(counts, response)));
            }
            return streams;
        }

        private async Task DrainAsync(Counts counts, HttpResponseMessage response)
        {
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(_stop.Token))
                {
                    if (item.EventType == "item") Interlocked.Increment(ref counts.Item);
                    else if (item.EventType == "stats") Interlocked.Increment(ref counts.Stats);
                    Interlocked.Increment(ref counts.Total);
                }
                if (!_stop.IsCancellationRequested) Interlocked.Increment(ref _lost);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // closed by the bench
            }
            catch (Exception error)
            {
                Interlocked.Increment(ref _lost);
                Interlocked.CompareExchange(ref _firstError, error.Message, null);
            }
            finally
            {
                response.Dispose();
            }
        }

        public (long Total, long Item, long Stats)[] Snapshot() =>
            _counts.Select(c => (Interlocked.Read(ref c.Total), Interlocked.Read(ref c.Item), Interlocked.Read(ref c.Stats))).ToArray();

        /// <summary>Waits until every stream has had at least one event: all of them are live before anything is measured.</summary>
        public async Task UntilEachHeardAsync(TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (_counts.Any(c => Interlocked.Read(ref c.Total) == 0))
            {
                if (clock.Elapsed > limit || Lost > 0)
                    throw new InvalidOperationException($"{_counts.Count(c => Interlocked.Read(ref c.Total) == 0)} streams had no event after {limit.TotalSeconds:0} s; "
                        + $"{Lost} ended{(_firstError is { } error ? ": " + error : "")}");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_readers);
            _http.Dispose();
            _stop.Dispose();
        }

        private sealed class Counts
        {
            public long Total;
            public long Item;
            public long Stats;
        }
    }

    /// <summary>Uploads the next picture every <see cref="UploadEvery"/> until stopped.</summary>
    private sealed class Uploader : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;
        private int _done;
        private int _failed;
        private string? _firstError;

        public int Done => Volatile.Read(ref _done);

        public static Uploader Start(BrokerProcess broker, List<(byte[] Content, string Sha512)> pictures)
        {
            var uploader = new Uploader();
            uploader._loop = Task.Run(() => uploader.RunAsync(broker, pictures));
            return uploader;
        }

        private async Task RunAsync(BrokerProcess broker, List<(byte[] Content, string Sha512)> pictures)
        {
            using var timer = new PeriodicTimer(UploadEvery);
            try
            {
                for (var i = 0; i < pictures.Count && await timer.WaitForNextTickAsync(_stop.Token); i++)
                {
                    try
                    {
                        using var body = new MemoryStream(pictures[i].Content);
                        await broker.Api.UploadAsync(body, $"p{i:0000}.png", "webp", pictures[i].Sha512, "bench", _stop.Token);
                        Interlocked.Increment(ref _done);
                    }
                    catch (Exception error) when (!_stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _failed);
                        Interlocked.CompareExchange(ref _firstError, error.Message, null);
                    }
                }
                if (!_stop.IsCancellationRequested) Interlocked.CompareExchange(ref _firstError, "ran out of pictures", null);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        public (int Done, int Failed, string? FirstError) Stop()
        {
            _stop.Cancel();
            return (Done, Volatile.Read(ref _failed), _firstError);
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _loop;
            _stop.Dispose();
        }
    }

    /// <summary>The broker's resident memory (VmRSS) every 50 ms, the highest of each phase of the run.</summary>
    private sealed class RssSampler : IAsyncDisposable
    {
        public const int BeforeAnyStream = 0;
        public const int WithStreams = 1;
        public const int AfterStreams = 2;

        private readonly long[] _peaks = new long[3];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private volatile int _phase;

        public RssSampler(int pid)
        {
            _loop = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                try
                {
                    do
                    {
                        var phase = _phase;
                        var resident = Resident(pid);
                        lock (_peaks) _peaks[phase] = Math.Max(_peaks[phase], resident);
                    }
                    while (await timer.WaitForNextTickAsync(_stop.Token));
                }
                catch (OperationCanceledException) { }
                catch (Exception error) when (error is IOException or InvalidOperationException) { } // the broker is gone
            });
        }

        public int Phase { get => _phase; set => _phase = value; }

        public long Peak(int phase) { lock (_peaks) return _peaks[phase]; }

        public async ValueTask DisposeAsync()
        {
            if (_stop.IsCancellationRequested) return;
            await _stop.CancelAsync();
            await _loop;
        }
    }
}
