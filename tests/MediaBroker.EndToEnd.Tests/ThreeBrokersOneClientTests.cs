using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Xunit.Abstractions;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// The whole product as processes: three brokers on loopback ports behind slow links, one client watching two
/// folders. Twenty files are dropped while two brokers are down; the brokers start one by one; one broker is killed
/// during an upload and started again; the client is killed and restarted once. Every output must end in place,
/// verified, nothing converted twice, nothing left in any broker's incoming/. Tokens are on: the client holds a client
/// token of each broker (made with <c>media-broker token add</c>), the checks below an admin token.
/// </summary>
public sealed partial class ThreeBrokersOneClientTests(ITestOutputHelper log) : IAsyncLifetime
{
    private readonly TempFolder _folder = new("e2e");
    private readonly BrokerProcess?[] _brokers = new BrokerProcess?[3];
    private readonly List<CuttingProxy> _links = [];
    private ClientProcess.Daemon? _client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        foreach (var broker in _brokers) if (broker is not null) await broker.DisposeAsync();
        foreach (var link in _links) await link.DisposeAsync();
        _folder.Dispose();
    }

    private sealed record Source(string Path, string ExpectedOutput, string ConversionType);

    [Fact]
    public async Task Twenty_files_reach_their_places_through_brokers_that_come_go_and_crash()
    {
        var names = new[] { "a", "b", "c" };
        var ports = LoopbackPorts.Free(3);
        var data = names.Select(name => Disk.DataFolder(_folder.Combine($"broker-{name}"))).ToArray();
        foreach (var port in ports)
            _links.Add(new CuttingProxy(new Uri($"http://127.0.0.1:{port}/"), long.MaxValue, cuts: 0) { BytesPerSecond = 4_000_000 });
        var clientTokens = new List<string>();
        var adminTokens = new List<string>();
        foreach (var folder in data)
        {
            clientTokens.Add(await AddTokenAsync(folder, "laptop", "client"));
            adminTokens.Add(await AddTokenAsync(folder, "checker", "admin"));
        }
        var config = WriteClientConfig(names.Select((name, i) => (name, _links[i].Url, clientTokens[i])));
        var sources = await MakeCorpusAsync();

        _brokers[0] = await BrokerProcess.StartAsync(data[0].Root, ports[0]);
        using (var anonymous = new HttpClient { BaseAddress = _brokers[0]!.Url })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/items")).StatusCode);
        _client = ClientProcess.Start(_folder.Path, "watch", "--config", config);
        foreach (var source in sources) File.Move(source.Path + ".staged", source.Path); // all twenty appear at once

        // Broker a is killed while it receives an upload, and comes back.
        await Eventually.TrueAsync(() => UploadInProgress(data[0]), "broker a to be in the middle of an upload", TimeSpan.FromSeconds(120));
        await _brokers[0]!.KillAsync();
        log.WriteLine("killed broker a during an upload");
        await Task.Delay(1000);
        _brokers[0] = await BrokerProcess.StartAsync(data[0].Root, ports[0]);

        // The two others start one by one.
        _brokers[1] = await BrokerProcess.StartAsync(data[1].Root, ports[1]);
        await Task.Delay(2000);
        _brokers[2] = await BrokerProcess.StartAsync(data[2].Root, ports[2]);

        // The client is killed once, half way, and started again.
        await Eventually.TrueAsync(() => sources.Count(source => File.Exists(source.ExpectedOutput)) >= 6, "a first third of the outputs", TimeSpan.FromSeconds(180));
        _client.Kill();
        await _client.WaitForExitAsync(TimeSpan.FromSeconds(60));
        _client.Dispose();
        log.WriteLine($"killed the client with {sources.Count(source => File.Exists(source.ExpectedOutput))} outputs in place");
        _client = ClientProcess.Start(_folder.Path, "watch", "--config", config);

        await Eventually.TrueAsync(() => sources.All(source => File.Exists(source.ExpectedOutput)), "all twenty outputs", TimeSpan.FromMinutes(5));

        for (var i = 0; i < 3; i++)
            _brokers[i]!.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminTokens[i]);
        var itemsPerBroker = new int[3];
        foreach (var source in sources)
        {
            var sha = await Sha512Hex.OfFileAsync(source.Path);
            var holders = new List<(int Broker, Item Item)>();
            for (var i = 0; i < 3; i++)
            {
                var page = await _brokers[i]!.Api.ListAsync(new Dictionary<string, string?> { ["sha512"] = sha, ["conversion_type"] = source.ConversionType });
                holders.AddRange(page.Items.Select(item => (i, item)));
            }
            var (broker, item) = Assert.Single(holders); // handed to exactly one broker
            itemsPerBroker[broker]++;
            Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
            Assert.Equal("laptop", item.ClientId); // from the token, whatever the client's own client_id
            Assert.Equal(item.Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(source.ExpectedOutput));
        }
        log.WriteLine($"items per broker: a={itemsPerBroker[0]} b={itemsPerBroker[1]} c={itemsPerBroker[2]}");

        // Nothing converted twice: every item finished exactly once, over all the brokers' lives.
        var finishes = data.SelectMany(folder => Directory.GetFiles(folder.Logs)).SelectMany(File.ReadAllLines)
            .Select(line => ConvertedLine().Match(line)).Where(match => match.Success).GroupBy(match => match.Groups[1].Value).ToList();
        Assert.Equal(20, finishes.Count);
        Assert.All(finishes, finish => Assert.Single(finish));

        foreach (var folder in data)
        {
            var left = Directory.EnumerateFileSystemEntries(folder.Incoming, "*", SearchOption.AllDirectories).ToList();
            Assert.True(left.Count == 0, $"left in {folder.Incoming}: {string.Join(", ", left.Select(Path.GetFileName))}");
        }
        Assert.Empty(Directory.EnumerateFiles(_folder.Combine("library"), ".*", SearchOption.AllDirectories));

        Signals.Send(_client.Id, Signals.Term);
        await _client.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, _client.ExitCode);
    }

    /// <summary>Twenty files of the three media types, staged beside their place so that dropping them is a rename.</summary>
    private async Task<List<Source>> MakeCorpusAsync()
    {
        var videos = _folder.Combine("drop-videos");
        var mixed = _folder.Combine("drop-mixed");
        var library = _folder.Combine("library");
        var sources = new List<Source>();
        for (var i = 0; i < 8; i++)
        {
            var relative = i % 2 == 0 ? $"Trips/clip {i}.mp4" : $"clip {i}.mp4";
            var path = Path.Combine(videos, relative);
            await TestMedia.VideoAsync(path + ".staged", seconds: 3, size: "640x360", extension: "mp4", seed: 200 + i);
            sources.Add(new Source(path, Path.Combine(library, Path.ChangeExtension(relative, ".mkv")), "mkv_x264"));
        }
        for (var i = 0; i < 6; i++)
        {
            var path = Path.Combine(videos, "Pictures", $"photo {i}.png");
            await TestMedia.ImageAsync(path + ".staged", "png", "1200x900", seed: 300 + i);
            sources.Add(new Source(path, Path.Combine(library, "Pictures", $"photo {i}.webp"), "webp"));
        }
        for (var i = 0; i < 3; i++)
        {
            var path = Path.Combine(mixed, $"scan {i}.jpg");
            await TestMedia.ImageAsync(path + ".staged", "jpg", "800x600", seed: 400 + i);
            sources.Add(new Source(path, Path.Combine(mixed, $"scan {i}.webp"), "webp"));
        }
        for (var i = 0; i < 3; i++)
        {
            var path = Path.Combine(mixed, "Voice", $"memo {i}.wav");
            await TestMedia.AudioAsync(path + ".staged", seconds: 6, seed: 500 + i);
            sources.Add(new Source(path, Path.Combine(mixed, "Voice", $"memo {i}.opus"), "opus"));
        }
        Assert.Equal(20, sources.Count);
        return sources;
    }

    /// <summary>A token made as an administrator makes one, with the broker's own command.</summary>
    private async Task<string> AddTokenAsync(DataFolder folder, string name, string role)
    {
        var added = await BrokerCommand.RunAsync(_folder.Path, "token", "add", name, "--role", role, "--data", folder.Root);
        Assert.True(added.ExitCode == 0, added.ToString());
        return added.Output.Trim();
    }

    private string WriteClientConfig(IEnumerable<(string Id, Uri Url, string Token)> brokers)
    {
        var config = new JsonObject
        {
            ["list_of_paths_to_observe"] = new JsonArray(
                new JsonObject
                {
                    ["path"] = _folder.Combine("drop-videos"), ["observed_media_types"] = new JsonArray("video", "image"),
                    ["conversion_types"] = new JsonObject { ["video"] = "mkv_x264", ["image"] = "webp" }, ["output_path"] = _folder.Combine("library"),
                },
                new JsonObject { ["path"] = _folder.Combine("drop-mixed"), ["observed_media_types"] = new JsonArray("image", "audio") }),
            ["list_of_servers"] = new JsonArray(brokers.Select(broker => (JsonNode)new JsonObject { ["id"] = broker.Id, ["url"] = broker.Url.ToString(), ["token"] = broker.Token }).ToArray()),
            ["state_path"] = _folder.Combine("client-state"),
            ["stable_after_seconds"] = 1,
            ["poll_interval_seconds"] = 0.5,
            ["rescan_interval_seconds"] = 2,
            ["broker_retry_max_seconds"] = 2,
            ["failover_after_minutes"] = 60,
            ["chunk_size_mib"] = 1,
            ["parallel_transfers"] = 2,
        };
        Directory.CreateDirectory(_folder.Combine("drop-videos"));
        Directory.CreateDirectory(_folder.Combine("drop-mixed"));
        return _folder.WriteFile("client.json", System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
    }

    /// <summary>True while a resumable upload on that broker has some but not all of its bytes.</summary>
    private static bool UploadInProgress(DataFolder data)
    {
        try
        {
            return Directory.Exists(data.Incoming) && Directory.EnumerateFiles(data.Incoming, "input", SearchOption.AllDirectories)
                .Any(file => Path.GetFileName(Path.GetDirectoryName(file)!).StartsWith("tus-", StringComparison.Ordinal) && new FileInfo(file).Length > 0);
        }
        catch (IOException)
        {
            return false; // the upload completed while we looked: its folder moved on to to_do
        }
    }


    [GeneratedRegex(@"Converted ""?([0-9a-f-]{36})""? into")]
    private static partial Regex ConvertedLine();
}
