using System.IO.Abstractions;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Client.Watching;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// The client's first scan of a library: every file seen, then hashed and taken. Its cost must grow with the number
/// of files (10x the files, about 10x the time), never with its square.
/// </summary>
public static class ScanBench
{
    private const int Small = 10_000;
    private const int Large = 100_000;
    private const int Rounds = 3;

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("scan-bench");
        var small = MakeLibrary(folder.Combine("small"), Small);
        var large = MakeLibrary(folder.Combine("large"), Large);
        Console.WriteLine($"First scan (seen, then hashed and taken) of {Small:N0} and {Large:N0} small files, {Rounds} interleaved rounds");

        var ratios = new List<double>();
        var smallTimes = new List<TimeSpan>();
        var largeTimes = new List<TimeSpan>();
        for (var round = 0; round < Rounds; round++)
        {
            var smallTime = await FirstScanAsync(small, folder.Combine($"state-small-{round}"));
            var largeTime = await FirstScanAsync(large, folder.Combine($"state-large-{round}"));
            smallTimes.Add(smallTime);
            largeTimes.Add(largeTime);
            ratios.Add(largeTime / smallTime);
            Console.WriteLine($"  round {round + 1}: {Small:N0} files {Ms(smallTime)}, {Large:N0} files {Ms(largeTime)}");
        }
        Row($"{Small:N0} files, median", $"{Ms(Median(smallTimes))} ({Us(Median(smallTimes) / Small)} a file)");
        Row($"{Large:N0} files, median", $"{Ms(Median(largeTimes))} ({Us(Median(largeTimes) / Large)} a file)");
        Row($"time for {Large / Small}x the files", RatioWithSpread(ratios));
        Verdict($"linear: 10x the files take well under 20x the time (a square would be 100x)", Median(ratios) < 20);
        return 0;
    }

    private static string MakeLibrary(string path, int files)
    {
        Directory.CreateDirectory(path);
        for (var i = 0; i < files; i++)
        {
            var folder = Path.Combine(path, $"season{i / 1000:000}");
            if (i % 1000 == 0) Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, $"episode{i:000000}.mkv"), BitConverter.GetBytes(i));
        }
        return path;
    }

    private static async Task<TimeSpan> FirstScanAsync(string library, string state)
    {
        var settings = new ClientSettings
        {
            ListOfPathsToObserve = [new ObservedPath { Path = library, ConversionTypes = new() { ["video"] = "mkv_x264" } }],
            StatePath = state,
        };
        var database = ClientDatabase.Open(new FileSystem(), state, forWriting: true);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var scanner = new FolderScanner(settings, database, clock, NullLogger<FolderScanner>.Instance);
        return await TimeAsync(async () =>
        {
            await scanner.ScanAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromSeconds(settings.StableAfterSeconds));
            await scanner.ScanAsync(CancellationToken.None);
            await database.SaveAsync();
        });
    }
}
