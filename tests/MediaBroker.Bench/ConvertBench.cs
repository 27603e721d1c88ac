using System.Diagnostics;
using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The same corpus converted two ways, side by side and interleaved round by round: by a broker end to end (upload,
/// convert, download, every file verified) and the seed's way (the same ffmpeg commands run directly by GNU parallel,
/// as many at once as the broker has conversion threads).
/// </summary>
public static class ConvertBench
{
    private const int Rounds = 3;
    private const int ConcurrentUploads = 4;

    /// <summary>One corpus: how many clips and pictures, and how big.</summary>
    private sealed record Corpus(string Name, int Videos, double Seconds, string VideoSize, int Images, string ImageSize);

    public static async Task<int> RunAsync()
    {
        var threads = Environment.ProcessorCount;
        Console.WriteLine($"convert: the broker end to end versus GNU parallel running the same ffmpeg commands, {threads} at once");
        Console.WriteLine("  (every broker file is also probed twice by ffprobe: on arrival, and when its output is read back)");
        // Tiny files show the broker's fixed cost per file; files of everyday size show what a user sees.
        var small = await CompareAsync(new Corpus("small", 6, 3, "640x360", 36, "640x480"), threads);
        var everyday = await CompareAsync(new Corpus("everyday", 4, 8, "1280x720", 30, "2400x1600"), threads);
        Console.WriteLine();
        Row("small corpus: broker / direct", Ratio(small));
        Row("everyday corpus: broker / direct", Ratio(everyday));
        Verdict("broker / direct at most 1.10 (everyday corpus)", everyday <= 1.10);
        Verdict("broker / direct at most 1.10 (small corpus)", small <= 1.10);
        return 0;
    }

    private static async Task<double> CompareAsync(Corpus spec, int threads)
    {
        Console.WriteLine($"\n{spec.Name}: {spec.Videos} videos ({spec.Seconds} s, {spec.VideoSize}, h264+aac) and {spec.Images} pictures ({spec.ImageSize} png/jpg)");
        using var folder = new TempFolder("bench-convert");
        var corpus = await MakeCorpusAsync(folder, spec);
        Row("corpus", $"{corpus.Count} files, {corpus.Sum(file => new FileInfo(file).Length) / 1e6:0.0} MB");

        var direct = new List<TimeSpan>();
        var broker = new List<TimeSpan>();
        for (var round = 0; round < Rounds; round++)
        {
            direct.Add(await DirectAsync(folder, corpus, threads, round));
            Row($"round {round + 1}: GNU parallel -j {threads}, ffmpeg directly", Ms(direct[^1]));
            broker.Add(await BrokerAsync(folder, corpus, threads, round));
            Row($"round {round + 1}: broker end to end (upload, convert, download)", Ms(broker[^1]));
        }
        // Each round's two sides ran back to back, so their ratio is what is least touched by the machine's noise.
        var ratios = broker.Zip(direct, (b, d) => b / d).ToList();
        Row("direct (median)", Ms(Median(direct)));
        Row("broker (median)", Ms(Median(broker)));
        Row("broker / direct, round by round", RatioWithSpread(ratios));
        return Median(ratios);
    }

    private static async Task<List<string>> MakeCorpusAsync(TempFolder folder, Corpus spec)
    {
        var files = new List<string>();
        for (var i = 0; i < spec.Videos; i++)
            files.Add(await TestMedia.VideoAsync(folder.Combine("corpus", $"video{i}.mp4"), seconds: spec.Seconds, extension: "mp4", size: spec.VideoSize, seed: i));
        for (var i = 0; i < spec.Images; i++)
            files.Add(await TestMedia.ImageAsync(folder.Combine("corpus", $"picture{i}.{(i % 2 == 0 ? "png" : "jpg")}"), i % 2 == 0 ? "png" : "jpg", spec.ImageSize, seed: i));
        return files;
    }

    private static string ProfileOf(string file) => Path.GetExtension(file) == ".mp4" ? "mkv_x265" : "webp";

    private static async Task<TimeSpan> DirectAsync(TempFolder folder, List<string> corpus, int threads, int round)
    {
        var output = Directory.CreateDirectory(folder.Combine($"direct-{round}")).FullName;
        var jobs = corpus.Select(file =>
        {
            var profile = DefaultConversionProfiles.All[ProfileOf(file)];
            var target = Path.Combine(output, Path.GetFileNameWithoutExtension(file) + "." + profile.OutputExtension);
            var arguments = profile.Arguments.Select(argument => argument == ConversionProfile.InputPlaceholder ? file
                : argument == ConversionProfile.OutputPlaceholder ? target : argument);
            return "ffmpeg -hide_banner -v error -y " + string.Join(' ', arguments.Select(Quote));
        });
        var jobFile = folder.Combine($"jobs-{round}.txt");
        await File.WriteAllLinesAsync(jobFile, jobs);
        var start = new ProcessStartInfo("parallel") { RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--will-cite", "-j", threads.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
        return await Measure.TimeAsync(async () =>
        {
            using var parallel = Process.Start(start)!;
            await parallel.StandardInput.WriteAsync(await File.ReadAllTextAsync(jobFile));
            parallel.StandardInput.Close();
            var errors = await parallel.StandardError.ReadToEndAsync();
            await parallel.WaitForExitAsync();
            if (parallel.ExitCode != 0) throw new InvalidOperationException("parallel failed: " + errors);
        });
    }

    private static async Task<TimeSpan> BrokerAsync(TempFolder folder, List<string> corpus, int threads, int round)
    {
        var config = folder.WriteFile($"broker-{round}.json", System.Text.Encoding.UTF8.GetBytes(
            $"{{ \"number_of_conversion_threads\": {threads}, \"min_free_bytes\": 0 }}"));
        await using var broker = await BrokerProcess.StartAsync(folder.Combine($"broker-data-{round}"), configPath: config);
        var output = Directory.CreateDirectory(folder.Combine($"broker-out-{round}")).FullName;
        // A broker is a long-running server: one item end to end first, so the timing holds no start-up work.
        var warmUp = await TestMedia.ImageAsync(folder.Combine($"warm-up-{round}.png"), seed: 1000 + round);
        await using (var stream = File.OpenRead(warmUp))
            await broker.Api.WaitUntilFinishedAsync((await broker.Api.UploadAsync(stream, "warm-up.png", "webp", await Sha512Hex.OfFileAsync(warmUp))).Item.ItemId);

        return await Measure.TimeAsync(async () =>
        {
            // As a client with a few transfers at once would send them.
            var ids = new Guid[corpus.Count];
            await Parallel.ForEachAsync(corpus.Select((file, index) => (file, index)), new ParallelOptions { MaxDegreeOfParallelism = ConcurrentUploads },
                async (entry, ct) =>
                {
                    await using var stream = File.OpenRead(entry.file);
                    var (item, _) = await broker.Api.UploadAsync(stream, Path.GetFileName(entry.file), ProfileOf(entry.file), await Sha512Hex.OfFileAsync(entry.file, ct), cancellationToken: ct);
                    ids[entry.index] = item.ItemId;
                });
            var pending = new HashSet<Guid>(ids);
            var downloads = new List<Task>();
            while (pending.Count > 0)
            {
                var page = await broker.Api.ListAsync(new Dictionary<string, string?> { ["ids"] = string.Join(',', pending) });
                foreach (var item in page.Items.Where(item => item.Status.IsFinished()))
                {
                    if (item.Status != ItemStatus.FinishedSuccessful) throw new InvalidOperationException($"{item.OriginalFileName}: {string.Join(" / ", item.Errors)}");
                    pending.Remove(item.ItemId);
                    downloads.Add(DownloadAsync(broker.Http, item, output));
                }
                if (pending.Count > 0) await Task.Delay(100);
            }
            await Task.WhenAll(downloads);
        });
    }

    private static async Task DownloadAsync(HttpClient http, Item item, string folder)
    {
        var target = Path.Combine(folder, item.Output!.FileName);
        await using (var response = await http.GetStreamAsync($"api/items/{item.ItemId}/output"))
        await using (var file = File.Create(target))
            await response.CopyToAsync(file);
        if (await Sha512Hex.OfFileAsync(target) != item.Output.Sha512Checksum) throw new InvalidOperationException($"{target}: sha512 mismatch");
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
