using System.Diagnostics;
using MediaBroker.Client.Transfers;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// A verified transfer of 1 GiB up to a broker and back, round by round against what bounds it: OpenSSL's SHA-512 on
/// one core (the library .NET hashes with; hashing every byte once is the physical limit of a verified transfer),
/// with sha512sum, cp and rsync for scale. Then two uploads at once against one, the CPU each side spends per GiB,
/// and the broker's peak memory while it receives 2 GiB. Each broker is warmed up with a small film first, as one that
/// has been running is.
/// </summary>
public static class TransferBench
{
    private static readonly int UploadChunkSize = new MediaBroker.Client.Configuration.ClientSettings().ChunkSizeMib << 20; // the client's default
    private const int Rounds = 3;
    private const double Gib = 1 << 30;

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("bench-transfer");
        Console.WriteLine("transfer: 1 GiB, every byte verified with sha512 end to end");
        var film = await RawVideoAsync(folder.Combine("film.mkv"), "");
        // A second film for the parallel uploads: the same content twice would be recognised instead of received.
        var other = await RawVideoAsync(folder.Combine("other.mkv"), ",negate");
        var warmUp = await RawVideoAsync(folder.Combine("warm-up.mkv"), ",hflip", frames: 20);
        var size = new FileInfo(film.Path).Length;
        Row("file", $"{size / Gib:0.00} GiB raw video");
        var config = folder.WriteFile("broker.json", """
            { "min_free_bytes": 0, "conversion_types": { "copy": { "media_types": ["video"], "output_extension": "mkv",
              "arguments": ["-i", "{input}", "-map", "0", "-c", "copy", "{output}"] } } }
            """u8.ToArray());

        // Every side, round after round, so that all of them see the same moods of a shared machine.
        var upload = new Samples(); var download = new Samples(); var pair = new Samples();
        var openssl = new List<double>(); var sha512sum = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            openssl.Add(await OpenSslRateAsync());
            await WarmAsync(film.Path, other.Path);
            sha512sum.Add(size / (await TimeAsync(() => Shell("sha512sum", film.Path))).TotalSeconds);
            await OneUploadAndDownloadAsync(folder, config, round, film, warmUp, upload, download);
            await TwoUploadsAsync(folder, config, round, film, other, warmUp, pair);
            Row($"round {round}: openssl / upload / download / 2 at once", $"{openssl[^1] / 1e6:0} / {upload.Rates[^1] / 1e6:0} / {download.Rates[^1] / 1e6:0} / {pair.Rates[^1] / 1e6:0} MB/s");
        }

        // For scale, once each: plain copies without sha512.
        await WarmAsync(film.Path);
        var cp = await TimeAsync(() => Shell("cp", film.Path, folder.Combine("copy.mkv")));
        File.Delete(folder.Combine("copy.mkv"));
        var rsync = await RsyncAsync(folder, film.Path);

        Console.WriteLine();
        Row("openssl speed sha512, one core (the limit)", $"{Median(openssl) / 1e6:0} MB/s (from {openssl.Min() / 1e6:0} to {openssl.Max() / 1e6:0})");
        Row("sha512sum", $"{Median(sha512sum) / 1e6:0} MB/s");
        Row("cp", MBps(size, cp));
        Row("rsync to a local rsync daemon (its default check: xxh128)", MBps(size, rsync));
        Row($"broker upload (tus, {UploadChunkSize >> 20} MiB PATCHes)", $"{Median(upload.Rates) / 1e6:0} MB/s");
        Row("broker download (client hashes as it lands)", $"{Median(download.Rates) / 1e6:0} MB/s");
        Row("two uploads at once (together)", $"{Median(pair.Rates) / 1e6:0} MB/s");
        var uploadRatios = RatiosTo(upload.Rates, openssl);
        var downloadRatios = RatiosTo(download.Rates, openssl);
        var pairRatios = RatiosTo(pair.Rates, upload.Rates);
        Row("upload / openssl", RatioWithSpread(uploadRatios));
        Row("download / openssl", RatioWithSpread(downloadRatios));
        Row("upload / sha512sum", RatioWithSpread(RatiosTo(upload.Rates, sha512sum)));
        Row("download / sha512sum", RatioWithSpread(RatiosTo(download.Rates, sha512sum)));
        Row("two uploads at once / one", RatioWithSpread(pairRatios));
        Row("CPU s/GiB upload: broker / client", $"{Median(upload.BrokerCpu):0.00} / {Median(upload.ClientCpu):0.00}");
        Row("CPU s/GiB download: broker / client", $"{Median(download.BrokerCpu):0.00} / {Median(download.ClientCpu):0.00}");
        Row("CPU s/GiB of sha512sum, for scale", $"{Median(sha512sum.Select(rate => Gib / rate)):0.00}");
        // Client and broker share this machine's cores here: what both spend per GiB, spread over all the cores, is
        // the fastest either transfer could go on it (two machines would give each side its own cores).
        Row($"ceiling from CPU on {Environment.ProcessorCount} cores shared: upload / download",
            $"{Ceiling(upload) / 1e6:0} / {Ceiling(download) / 1e6:0} MB/s");
        var peak = await PeakMemoryAsync(folder);
        Verdict("upload at least 0.8x openssl", Median(uploadRatios) >= 0.8);
        Verdict("download at least 0.8x openssl", Median(downloadRatios) >= 0.8);
        Verdict("two uploads at once at least 1.5x one", Median(pairRatios) >= 1.5);
        Verdict("peak RSS under 200 MB for a 2 GiB upload", peak < 200e6);
        return 0;
    }

    private sealed record Film(string Path, string Sha512);

    /// <summary>Rates in bytes per second, and CPU seconds per GiB of each side, one per round.</summary>
    private sealed class Samples
    {
        public List<double> Rates { get; } = [];
        public List<double> BrokerCpu { get; } = [];
        public List<double> ClientCpu { get; } = [];
    }

    private static double Ceiling(Samples samples) => Gib / ((Median(samples.BrokerCpu) + Median(samples.ClientCpu)) / Environment.ProcessorCount);

    private static List<double> RatiosTo(List<double> rates, List<double> references) => rates.Select((rate, i) => rate / references[i]).ToList();

    /// <summary>Raw 1080p frames in Matroska: a real video ffprobe accepts, made without encoding anything.</summary>
    private static async Task<Film> RawVideoAsync(string path, string filter, int frames = 345)
    {
        await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25" + filter, "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-y", path]);
        return new Film(path, await Sha512Hex.OfFileAsync(path));
    }

    private static async Task OneUploadAndDownloadAsync(TempFolder folder, string config, int round, Film film, Film warmUp, Samples upload, Samples download)
    {
        var data = folder.Combine($"broker-{round}");
        await using (var broker = await WarmBrokerAsync(data, config, warmUp, folder))
        {
            var size = new FileInfo(film.Path).Length;
            UploadResult? uploaded = null;
            await MeasureAsync(broker, size, upload, async () => uploaded = await UploadAsync(broker, film, UploadChunkSize));
            var item = await broker.Api.WaitUntilFinishedAsync(uploaded!.ItemId, TimeSpan.FromMinutes(5));
            if (item.Status != ItemStatus.FinishedSuccessful) throw new InvalidOperationException(string.Join(" / ", item.Errors));
            var target = folder.Combine("fetched.mkv");
            await MeasureAsync(broker, item.Output!.FileSize, download, () =>
                new OutputDownloader(broker.Http, Disk.Real, TimeSpan.FromSeconds(60), TimeProvider.System).DownloadAsync(item, target, null, CancellationToken.None));
            File.Delete(target);
        }
        Directory.Delete(data, recursive: true);
    }

    private static async Task TwoUploadsAsync(TempFolder folder, string config, int round, Film film, Film other, Film warmUp, Samples pair)
    {
        var data = folder.Combine($"broker-pair-{round}");
        await using (var broker = await WarmBrokerAsync(data, config, warmUp, folder))
        {
            var size = new FileInfo(film.Path).Length + new FileInfo(other.Path).Length;
            await MeasureAsync(broker, size, pair, () => Task.WhenAll(UploadAsync(broker, film, UploadChunkSize), UploadAsync(broker, other, UploadChunkSize)));
        }
        Directory.Delete(data, recursive: true);
    }

    /// <summary>
    /// A new broker (the same content twice would be recognised instead of received) that has already taken and given
    /// back one small film, as a broker that has been running does: the figures are not its first compilation's.
    /// </summary>
    private static async Task<BrokerProcess> WarmBrokerAsync(string data, string config, Film warmUp, TempFolder folder)
    {
        var broker = await BrokerProcess.StartAsync(data, configPath: config);
        var uploaded = await UploadAsync(broker, warmUp, UploadChunkSize);
        var item = await broker.Api.WaitUntilFinishedAsync(uploaded.ItemId, TimeSpan.FromMinutes(5));
        var target = folder.Combine("warm-up-fetched.mkv");
        await new OutputDownloader(broker.Http, Disk.Real, TimeSpan.FromSeconds(60), TimeProvider.System).DownloadAsync(item, target, null, CancellationToken.None);
        File.Delete(target);
        return broker;
    }

    private static Task<UploadResult> UploadAsync(BrokerProcess broker, Film film, int chunkSize) =>
        new TusUploader(broker.Http, chunkSize, TimeProvider.System).UploadAsync(film.Path, null,
            new Dictionary<string, string> { ["filename"] = Path.GetFileName(film.Path), ["conversion_type"] = "copy", ["sha512"] = film.Sha512 },
            null, null, CancellationToken.None);

    /// <summary>Times a transfer and the CPU both sides spent on it: the broker's process, and this one (the client).</summary>
    private static async Task MeasureAsync(BrokerProcess broker, long bytes, Samples samples, Func<Task> transfer)
    {
        var brokerBefore = CpuSeconds(broker.Pid);
        var clientBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var time = await TimeAsync(transfer);
        var gib = bytes / Gib;
        samples.Rates.Add(bytes / time.TotalSeconds);
        samples.BrokerCpu.Add((CpuSeconds(broker.Pid) - brokerBefore) / gib);
        samples.ClientCpu.Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientBefore) / gib);
    }

    /// <summary>One-core SHA-512 of 1 MiB blocks through OpenSSL's EVP interface, in bytes per second.</summary>
    private static async Task<double> OpenSslRateAsync()
    {
        var output = await ShellOutputAsync("openssl", "speed", "-evp", "sha512", "-bytes", "1048576", "-seconds", "2");
        var line = output.Split('\n').Last(line => line.StartsWith("sha512", StringComparison.OrdinalIgnoreCase));
        var thousands = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1].TrimEnd('k');
        return double.Parse(thousands, System.Globalization.CultureInfo.InvariantCulture) * 1000;
    }

    /// <summary>The files in the page cache for every side alike, as the transfers read them from there.</summary>
    private static Task WarmAsync(params string[] files) => Shell("sh", ["-c", "cat " + string.Join(' ', files.Select(file => $"'{file}'")) + " > /dev/null"]);

    /// <summary>The broker's peak resident memory while it receives 2 GiB in 8 MiB chunks.</summary>
    private static async Task<long> PeakMemoryAsync(TempFolder folder)
    {
        var big = folder.Combine("two-gib.bin");
        await using (var stream = File.Create(big))
        {
            var block = new byte[8 << 20];
            new Random(2).NextBytes(block);
            for (var i = 0; i < 256; i++)
            {
                block[0] = (byte)i;
                await stream.WriteAsync(block);
            }
        }
        await using var broker = await BrokerProcess.StartAsync(folder.Combine("broker-memory"));
        var before = PeakRss(broker.Pid);
        try
        {
            await UploadAsync(broker, new Film(big, await Sha512Hex.OfFileAsync(big)), 8 << 20);
        }
        catch (MediaBroker.Shared.Api.BrokerRejectedException)
        {
            // Noise is not media: refused (415) once every byte arrived and was verified. The memory was the point.
        }
        var peak = PeakRss(broker.Pid);
        Row("broker peak RSS before the 2 GiB upload", $"{before / 1e6:0} MB");
        Row("broker peak RSS after the 2 GiB upload (8 MiB chunks)", $"{peak / 1e6:0} MB");
        return peak;
    }

    private static async Task<TimeSpan> RsyncAsync(TempFolder folder, string file)
    {
        var module = folder.Combine("rsync-target");
        if (Directory.Exists(module)) Directory.Delete(module, recursive: true);
        Directory.CreateDirectory(module);
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var number = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var config = folder.WriteFile("rsyncd.conf", System.Text.Encoding.ASCII.GetBytes(
            $"use chroot = no\npid file = {folder.Combine("rsyncd.pid")}\n[bench]\npath = {module}\nread only = no\nuid = root\ngid = root\n"));
        using var daemon = Process.Start(new ProcessStartInfo("rsync", ["--daemon", "--no-detach", $"--config={config}", $"--port={number}", "--address=127.0.0.1"]))!;
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                using var probe = new System.Net.Sockets.TcpClient();
                try { await probe.ConnectAsync(System.Net.IPAddress.Loopback, number); return true; }
                catch (System.Net.Sockets.SocketException) { return false; }
            }, "the rsync daemon to listen");
            return await TimeAsync(() => Shell("rsync", ["--whole-file", file, $"rsync://127.0.0.1:{number}/bench/"]));
        }
        finally
        {
            daemon.Kill();
        }
    }

    private static Task Shell(string program, params string[] arguments) => ShellOutputAsync(program, arguments);

    private static async Task<string> ShellOutputAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {errors}");
        return await output;
    }
}
