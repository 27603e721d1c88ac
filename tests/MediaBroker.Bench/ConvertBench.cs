using System.Diagnostics;
using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The same corpus converted two ways, side by side and interleaved round by round: by a broker end to end (upload,
/// convert, download, every file verified) and the seed's own way: GNU parallel running, as many at once as the broker
/// has conversion threads, ffmpeg for video and, for pictures, the faster of ImageMagick (<c>convert -quality 80</c>, what
/// the seed's scripts used) and ffmpeg's libwebp. The <c>vips</c> command line is timed on the pictures as a reference.
/// </summary>
public static class ConvertBench
{
    private const int Rounds = 3;
    private const int ConcurrentUploads = 4;

    /// <summary>One corpus: clips, and pictures of one kind (plain png/jpg, or phone photos: HEIC and rotated JPEG).</summary>
    private sealed record Corpus(string Name, int Videos, double Seconds, string VideoSize, int Pictures, string PictureSize, bool Phone = false);

    /// <summary>A way of converting one picture to webp on the command line.</summary>
    private sealed record PictureTool(string Name, Func<string, string, string> Command, bool ReadsHeic);

    private static readonly PictureTool ImageMagick = new("ImageMagick convert -quality 80",
        (input, output) => $"convert {Quote(input)} -quality 80 {Quote(output)}", ReadsHeic: true);
    private static readonly PictureTool FfmpegWebp = new("ffmpeg -c:v libwebp -quality 80",
        (input, output) => $"ffmpeg -hide_banner -v error -y -i {Quote(input)} -c:v libwebp -quality 80 {Quote(output)}", ReadsHeic: false);
    private static readonly PictureTool VipsCli = new("vips copy (reference)",
        (input, output) => $"vips copy {Quote(input)} {Quote(output + "[Q=80]")}", ReadsHeic: true);

    public static async Task<int> RunAsync()
    {
        var threads = Environment.ProcessorCount;
        Console.WriteLine($"convert: the broker end to end versus the seed's own way (GNU parallel -j {threads}), {threads} conversion threads");
        Console.WriteLine("  (the broker reads pictures in-process with libvips; video and audio are probed by ffprobe on arrival and on the way out)");
        // Tiny files show the broker's fixed cost per file; files of everyday size show what a user sees; a phone's
        // photos (12 MP HEIC and rotated JPEG) and 1080p clips are what most people drop.
        var small = await CompareAsync(new Corpus("small", 6, 3, "640x360", 36, "640x480"), threads);
        var everyday = await CompareAsync(new Corpus("everyday", 4, 8, "1280x720", 30, "2400x1600"), threads);
        var phone = await CompareAsync(new Corpus("phone", 2, 3, "1920x1080", 12, "4032x3024", Phone: true), threads);
        var memory = await HundredMegapixelPhotoAsync();
        Console.WriteLine();
        Row("small corpus: broker / seed's way", Ratio(small));
        Row("everyday corpus: broker / seed's way", Ratio(everyday));
        Row("phone corpus: broker / seed's way", Ratio(phone));
        Row("100-megapixel photo: broker peak RSS", $"{memory / 1e6:0} MB");
        Verdict("broker / seed's way at most 1.0 (everyday corpus)", everyday <= 1.0);
        Verdict("broker / seed's way at most 1.0 (phone corpus)", phone <= 1.0);
        Verdict("broker / seed's way at most 1.10 (small corpus)", small <= 1.10);
        Verdict("a 100-megapixel photo converts in under about 600 MB of broker memory", memory <= 600e6);
        return 0;
    }

    private static async Task<double> CompareAsync(Corpus spec, int threads)
    {
        var pictureKind = spec.Phone ? "phone photos: half HEIC, half JPEG turned by EXIF" : "png/jpg";
        Console.WriteLine($"\n{spec.Name}: {spec.Videos} videos ({spec.Seconds} s, {spec.VideoSize}, h264+aac) and {spec.Pictures} pictures ({spec.PictureSize}, {pictureKind})");
        using var folder = new TempFolder("bench-convert");
        var corpus = await MakeCorpusAsync(folder, spec);
        Row("corpus", $"{corpus.Count} files, {corpus.Sum(file => new FileInfo(file).Length) / 1e6:0.0} MB");

        var pictures = corpus.Where(IsPicture).ToList();
        var tool = await FasterPictureToolAsync(folder, pictures, threads);

        var direct = new List<TimeSpan>();
        var broker = new List<TimeSpan>();
        for (var round = 0; round < Rounds; round++)
        {
            direct.Add(await RunParallelAsync(folder, corpus.Select(file => SeedCommand(folder, file, tool, round)), threads, $"seed-{round}"));
            Row($"round {round + 1}: the seed's way (parallel -j {threads})", Ms(direct[^1]));
            broker.Add(await BrokerAsync(folder, corpus, threads, round));
            Row($"round {round + 1}: broker end to end (upload, convert, download)", Ms(broker[^1]));
        }
        // Each round's two sides ran back to back, so their ratio is what is least touched by the machine's noise.
        var ratios = broker.Zip(direct, (b, d) => b / d).ToList();
        Row("seed's way (median)", Ms(Median(direct)));
        Row("broker (median)", Ms(Median(broker)));
        Row("broker / seed's way, round by round", RatioWithSpread(ratios));
        return Median(ratios);
    }

    /// <summary>The seed's way for pictures is whichever of its tools is faster on this corpus; vips is printed beside them.</summary>
    private static async Task<PictureTool> FasterPictureToolAsync(TempFolder folder, List<string> pictures, int threads)
    {
        var heic = pictures.Any(file => Path.GetExtension(file) == ".heic");
        var times = new Dictionary<PictureTool, TimeSpan>();
        foreach (var tool in new[] { ImageMagick, FfmpegWebp, VipsCli })
        {
            if (heic && !tool.ReadsHeic)
            {
                Row($"pictures only: {tool.Name}", "cannot read HEIC (ffmpeg 5.1)");
                continue;
            }
            var output = Directory.CreateDirectory(folder.Combine($"pictures-{times.Count}")).FullName;
            times[tool] = await RunParallelAsync(folder, pictures.Select(file => tool.Command(file, Path.Combine(output, Stem(file) + ".webp"))), threads, $"tool-{times.Count}");
            Row($"pictures only: {tool.Name}", Ms(times[tool]));
        }
        var faster = times.Where(pair => pair.Key != VipsCli).MinBy(pair => pair.Value).Key;
        Row("the seed's way for pictures", faster.Name);
        return faster;
    }

    private static async Task<List<string>> MakeCorpusAsync(TempFolder folder, Corpus spec)
    {
        var files = new List<string>();
        for (var i = 0; i < spec.Videos; i++)
            files.Add(await TestMedia.VideoAsync(folder.Combine("corpus", $"video{i}.mp4"), seconds: spec.Seconds, extension: "mp4", size: spec.VideoSize, seed: i));
        for (var i = 0; i < spec.Pictures; i++)
        {
            if (!spec.Phone)
                files.Add(await TestMedia.ImageAsync(folder.Combine("corpus", $"picture{i}.{(i % 2 == 0 ? "png" : "jpg")}"), i % 2 == 0 ? "png" : "jpg", spec.PictureSize, seed: i));
            else
                files.Add(await PhonePhotoAsync(folder, i, spec.PictureSize, heic: i % 2 == 0));
        }
        return files;
    }

    /// <summary>A phone photo: a detailed, noisy picture (as a sensor gives), as HEIC, or as a JPEG turned by EXIF, with EXIF.</summary>
    private static async Task<string> PhonePhotoAsync(TempFolder folder, int index, string size, bool heic)
    {
        var pixels = folder.Combine("corpus", $"photo{index}.png");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={size}", "-frames:v", "1",
            "-vf", $"hue=h={index * 37 % 360},noise=alls=12:allf=u", pixels]);
        var photo = folder.Combine("corpus", heic ? $"IMG_{index:0000}.heic" : $"IMG_{index:0000}.jpg");
        if (heic) await TestMedia.RunAsync("heif-enc", ["-q", "50", pixels, "-o", photo]);
        else await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-i", pixels, "-q:v", "3", photo]);
        File.Delete(pixels);
        await TestMedia.RunAsync("exiftool", ["-q", "-overwrite_original", $"-DateTimeOriginal={TestPictures.DateTaken}", "-Model=iPhone 15",
            .. heic ? Array.Empty<string>() : ["-Orientation#=6"], photo]);
        return photo;
    }

    private static bool IsPicture(string file) => Path.GetExtension(file) != ".mp4";

    private static string ProfileOf(string file) => IsPicture(file) ? "webp" : "mkv_x265";

    private static string Stem(string file) => Path.GetFileNameWithoutExtension(file);

    /// <summary>One line of the seed's job list: ffmpeg with the seed's arguments for video, the chosen tool for pictures.</summary>
    private static string SeedCommand(TempFolder folder, string file, PictureTool pictures, int round)
    {
        var output = Directory.CreateDirectory(folder.Combine($"seed-{round}")).FullName;
        if (IsPicture(file)) return pictures.Command(file, Path.Combine(output, Stem(file) + ".webp"));
        var profile = DefaultConversionProfiles.All[ProfileOf(file)];
        var target = Path.Combine(output, Stem(file) + "." + profile.OutputExtension);
        var arguments = profile.Arguments.Select(argument => argument == ConversionProfile.InputPlaceholder ? file
            : argument == ConversionProfile.OutputPlaceholder ? target : argument);
        return "ffmpeg -hide_banner -v error -y " + string.Join(' ', arguments.Select(Quote));
    }

    private static async Task<TimeSpan> RunParallelAsync(TempFolder folder, IEnumerable<string> jobs, int threads, string name)
    {
        var jobFile = folder.Combine($"jobs-{name}.txt");
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
        await using var broker = await StartBrokerAsync(folder, threads, $"{round}");
        var output = Directory.CreateDirectory(folder.Combine($"broker-out-{round}")).FullName;
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
            await FetchWhenFinishedAsync(broker, ids, output);
        });
    }

    /// <summary>
    /// A broker on a fresh data folder, warmed up by one picture and one clip end to end: it is a long-running server,
    /// and what its first item of each kind costs (compiling the code it runs) is not what a user waits for.
    /// </summary>
    private static async Task<BrokerProcess> StartBrokerAsync(TempFolder folder, int threads, string name)
    {
        var config = folder.WriteFile($"broker-{name}.json", System.Text.Encoding.UTF8.GetBytes(
            $"{{ \"number_of_conversion_threads\": {threads}, \"min_free_bytes\": 0 }}"));
        var broker = await BrokerProcess.StartAsync(folder.Combine($"broker-data-{name}"), configPath: config);
        var seed = 1000 + Math.Abs(name.GetHashCode() % 1000);
        var warmUps = new[]
        {
            (File: await TestMedia.ImageAsync(folder.Combine($"warm-up-{name}.png"), seed: seed), Type: "webp"),
            (File: await TestMedia.VideoAsync(folder.Combine($"warm-up-{name}.mp4"), seconds: 1, extension: "mp4", size: "160x120", seed: seed), Type: "mkv_x265"),
        };
        foreach (var (file, type) in warmUps)
        {
            await using var stream = File.OpenRead(file);
            var (item, _) = await broker.Api.UploadAsync(stream, Path.GetFileName(file), type, await Sha512Hex.OfFileAsync(file));
            await broker.Api.WaitUntilFinishedAsync(item.ItemId);
        }
        return broker;
    }

    private static async Task FetchWhenFinishedAsync(BrokerProcess broker, IEnumerable<Guid> ids, string output)
    {
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
    }

    /// <summary>One photo of 100 megapixels through a broker with one conversion thread: its peak resident memory.</summary>
    private static async Task<long> HundredMegapixelPhotoAsync()
    {
        Console.WriteLine("\nmemory: one 11552x8664 photo (100 megapixels, JPEG) through a broker with one conversion thread");
        using var folder = new TempFolder("bench-convert-memory");
        var photo = folder.Combine("huge.jpg");
        await TestMedia.RunAsync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=11552x8664", "-frames:v", "1",
            "-vf", "noise=alls=12:allf=u", "-q:v", "3", photo]);
        Row("photo", $"{new FileInfo(photo).Length / 1e6:0.0} MB");
        await using var broker = await StartBrokerAsync(folder, 1, "memory");
        Row("broker resident before", $"{Resident(broker.Pid) / 1e6:0} MB");
        var output = Directory.CreateDirectory(folder.Combine("out")).FullName;
        var time = await Measure.TimeAsync(async () =>
        {
            await using var stream = File.OpenRead(photo);
            var (item, _) = await broker.Api.UploadAsync(stream, "huge.jpg", "webp", await Sha512Hex.OfFileAsync(photo));
            await FetchWhenFinishedAsync(broker, [item.ItemId], output);
        });
        var peak = PeakRss(broker.Pid);
        Row("end to end", Ms(time));
        Row("broker peak resident (VmHWM)", $"{peak / 1e6:0} MB");
        return peak;
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
