using MediaBroker.Testing;
using Xunit.Abstractions;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// The short form of scripts/chaos: a broker and a client killed with kill -9 at random moments while files arrive,
/// then nothing may be lost, doubled or corrupted. The long form (200 kills and more) is `scripts/chaos`.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder _folder = new("chaos");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Random_kills_of_broker_and_client_lose_double_and_corrupt_nothing()
    {
        var report = await new ChaosCampaign(_folder, seed: 20261201, log.WriteLine).RunAsync(kills: 12);

        log.WriteLine($"seed {report.Seed}: {report.BrokerKills} broker and {report.ClientKills} client kills, {report.Files} files, {report.Duration.TotalSeconds:0} s");
        Assert.True(report.BrokerKills > 0 && report.ClientKills > 0);
    }
}
