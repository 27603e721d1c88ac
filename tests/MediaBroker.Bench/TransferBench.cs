using System.Diagnostics;
using System.Globalization;
using MediaBroker.Client.Transfers;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// A verified transfer of 1 GiB up to a broker and back, round by round against what bounds it: sha512sum of the same
/// file (hashing is the physical limit of a verified transfer); cp and rsync to a local rsync daemon for scale. Then
/// the broker's peak memory while it receives 2 GiB in 8 MiB chunks.
/// </summary>
public static class TransferBench
{
    private const int ChunkSize = 8 << 20;
    private static readonly int UploadChunkSize = new MediaBroker.Client.Configuration.ClientSettings().ChunkSizeMib << 20; // the client's default

    private const int Rounds = 3;

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("bench-transfer");
        Console.WriteLine("transfer: 1 GiB, every byte verified with sha512 end to end");
        var file = folder.Combine("film.mkv");
        // Raw 1080p frames in Matroska: a real video ffprobe accepts, made without encoding anything.
        await TestMedia.RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-frames:v", "345",
            "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-y", file]);
        var size = new FileInfo(file).Length;
        Row("file", $"{size / (double)(1 << 30):0.00} GiB raw video");
        await Measure.TimeAsync(() => Shell("sh", "-c", $"cat '{file}' > /dev/null")); // warm the page cache for everyone alike
        var sha = await Sha512Hex.OfFileAsync(file);
        var config = folder.WriteFile("broker.json", """
            { "min_free_bytes": 0, "conversion_types": { "copy": { "media_types": ["video"], "output_extension": "mkv",
              "arguments": ["-i", "{input}", "-map", "0", "-c", "copy", "{output}"] } } }
            """u8.ToArray());

        // The reference and the broker, round after round, so that both see the same moods of a shared machine.
        var uploadRatios = new List<double>();
        var downloadRatios = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            var sha512sum = await Measure.TimeAsync(() => Shell("sha512sum", file));
            // A broker of its own each round: the same content again would be recognised instead of received.
            await using var broker = await BrokerProcess.StartAsync(folder.Combine($"broker-{round}"), configPath: config);
            UploadResult? uploaded = null;
            var upload = await Measure.TimeAsync(async () => uploaded = await new TusUploader(broker.Http, UploadChunkSize, TimeProvider.System).UploadAsync(file, null,
                new Dictionary<string, string> { ["filename"] = "film.mkv", ["conversion_type"] = "copy", ["sha512"] = sha }, null, null, CancellationToken.None));
            var item = await broker.Api.WaitUntilFinishedAsync(uploaded!.ItemId, TimeSpan.FromMinutes(5));
            if (item.Status != ItemStatus.FinishedSuccessful) throw new InvalidOperationException(string.Join(" / ", item.Errors));
            var target = folder.Combine("fetched.mkv");
            var download = await Measure.TimeAsync(() => new OutputDownloader(broker.Http, Disk.Real, TimeSpan.FromSeconds(60), TimeProvider.System).DownloadAsync(item, target, null, CancellationToken.None));
            File.Delete(target);
            uploadRatios.Add(Rate(size, upload) / Rate(size, sha512sum));
            downloadRatios.Add(Rate(item.Output!.FileSize, download) / Rate(size, sha512sum));
            Row($"round {round}: sha512sum / upload / download", $"{MBps(size, sha512sum)} / {MBps(size, upload)} / {MBps(item.Output.FileSize, download)}");
            if (round == Rounds) await MemoryAsync(folder, broker);
        }

        // For scale, once each: plain copies without sha512.
        var cp = await Measure.TimeAsync(() => Shell("cp", file, folder.Combine("copy.mkv")));
        File.Delete(folder.Combine("copy.mkv"));
        var rsync = await RsyncAsync(folder, file);
        Console.WriteLine();
        Row("cp", MBps(size, cp));
        Row("rsync to a local rsync daemon (its default check: xxh128)", MBps(size, rsync));
        Row($"broker upload (tus, {UploadChunkSize >> 20} MiB PATCHes) / sha512sum", RatioWithSpread(uploadRatios));
        Row("broker download (client hashes as it lands) / sha512sum", RatioWithSpread(downloadRatios));
        Verdict("upload and download each at least 0.9x sha512sum", Median(uploadRatios) >= 0.9 && Median(downloadRatios) >= 0.9);
        return 0;
    }

    private static double Rate(long bytes, TimeSpan time) => bytes / time.TotalSeconds;

    /// <summary>The broker's peak resident memory while it receives 2 GiB in 8 MiB chunks.</summary>
    private static async Task MemoryAsync(TempFolder folder, BrokerProcess broker)
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
        var before = PeakRss(broker.Pid);
        try
        {
            await new TusUploader(broker.Http, ChunkSize, TimeProvider.System).UploadAsync(big, null,
                new Dictionary<string, string> { ["filename"] = "noise.mkv", ["sha512"] = await Sha512Hex.OfFileAsync(big) }, null, null, CancellationToken.None);
        }
        catch (MediaBroker.Shared.Api.BrokerRejectedException)
        {
            // Noise is not media: refused (415) once every byte arrived and was verified. The memory was the point.
        }
        var peak = PeakRss(broker.Pid);
        Row("broker peak RSS before the 2 GiB upload", $"{before / 1e6:0} MB");
        Row("broker peak RSS after the 2 GiB upload (8 MiB chunks)", $"{peak / 1e6:0} MB");
        Verdict("peak RSS under 200 MB", peak < 200e6);
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
            return await Measure.TimeAsync(() => Shell("rsync", ["--whole-file", file, $"rsync://127.0.0.1:{number}/bench/"]));
        }
        finally
        {
            daemon.Kill();
        }
    }

    private static async Task Shell(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await output;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {errors}");
    }
}
