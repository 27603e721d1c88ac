using System.Globalization;
using MediaBroker.Testing;

namespace MediaBroker.Bench;

/// <summary>scripts/chaos: the long kill -9 campaign; prints its seed first, so that any run can be replayed.</summary>
public static class ChaosCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seed = Option(args, "--seed") ?? Random.Shared.Next(1, 1_000_000);
        var kills = Option(args, "--kills") ?? 200;
        Console.WriteLine($"chaos: seed {seed}, {kills} kills (replay with: scripts/chaos --seed {seed} --kills {kills})");
        using var folder = new TempFolder("chaos");
        try
        {
            var report = await new ChaosCampaign(folder, seed, line => Console.WriteLine($"  {line}")).RunAsync(kills);
            Console.WriteLine();
            Measure.Row("kill -9 of the broker", report.BrokerKills.ToString(CultureInfo.InvariantCulture));
            Measure.Row("kill -9 of the client", report.ClientKills.ToString(CultureInfo.InvariantCulture));
            Measure.Row("files handed over", report.Files.ToString(CultureInfo.InvariantCulture));
            Measure.Row("lost, duplicated, corrupted", "0, 0, 0 (every invariant held)");
            Measure.Row("duration", $"{report.Duration.TotalMinutes:0.0} min");
            return 0;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"chaos: seed {seed}: an invariant broke:\n{error.Message}");
            return 1;
        }
    }

    private static int? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
