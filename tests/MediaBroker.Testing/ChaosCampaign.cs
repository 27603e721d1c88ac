using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Testing;

/// <summary>What a campaign did, for its report.</summary>
public sealed record ChaosReport(int Seed, int BrokerKills, int ClientKills, int Files, TimeSpan Duration);

/// <summary>
/// Random kill -9 of a real broker and a real client (media-client watch) while files keep arriving, each started
/// again at once; then both are left to finish, stopped, and the invariants checked. Everything random comes from
/// the seed (which files, when they arrive, which process dies and when), so a run can be replayed; the processes'
/// own timing is the machine's.
/// </summary>
public sealed class ChaosCampaign(TempFolder folder, int seed, Action<string>? log = null)
{
    private readonly Random _random = new(seed);
    private readonly string _data = folder.Combine("broker");
    private readonly string _drop = folder.Combine("drop");
    private readonly string _library = folder.Combine("library");
    private readonly Dictionary<string, byte[]> _sources = [];
    private readonly List<Accepted> _accepted = [];
    private BrokerProcess? _broker;
    private ClientProcess.Daemon? _client;
    private int _port;
    private string _config = "";

    public async Task<ChaosReport> RunAsync(int kills)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(_drop);
        _port = LoopbackPorts.Free();
        _config = WriteClientConfig();
        int brokerKills = 0, clientKills = 0;
        try
        {
            for (var kill = 0; kill < kills; kill++)
            {
                await EnsureRunningAsync();
                if (_random.Next(3) > 0) await DropNextAsync();
                await Task.Delay(_random.Next(0, 1500)); // a random moment: uploads, conversions, downloads under way
                if (_random.Next(2) == 0)
                {
                    await _broker!.KillAsync();
                    await _broker.DisposeAsync();
                    _broker = null;
                    brokerKills++;
                }
                else
                {
                    _client!.Kill();
                    await _client.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    _client.Dispose();
                    _client = null;
                    clientKills++;
                }
                log?.Invoke($"kill {kill + 1}/{kills}: {brokerKills} broker, {clientKills} client, {_sources.Count} files dropped");
            }
            await EnsureRunningAsync();
            await Eventually.TrueAsync(() => _sources.Keys.All(name => OutputOf(name) is not null), "every file to reach the library", TimeSpan.FromMinutes(10));
        }
        finally
        {
            if (_client is not null)
            {
                Signals.Send(_client.Id, Signals.Term);
                await _client.WaitForExitAsync(TimeSpan.FromSeconds(60));
                _client.Dispose();
            }
            if (_broker is not null)
            {
                await _broker.TerminateAsync();
                await _broker.DisposeAsync();
            }
        }
        Check();
        return new ChaosReport(seed, brokerKills, clientKills, _sources.Count, clock.Elapsed);
    }

    private async Task EnsureRunningAsync()
    {
        _broker ??= await BrokerProcess.StartAsync(_data, _port);
        _client ??= ClientProcess.Start(folder.Path, "watch", "--config", _config);
    }

    /// <summary>A new small picture or clip, made whole elsewhere and moved in, as a finished copy appears.</summary>
    private async Task DropNextAsync()
    {
        var index = _sources.Count;
        var video = _random.Next(5) == 0;
        var name = video ? $"clip{index}.mkv" : $"picture{index}.png";
        var staged = video
            ? await TestMedia.VideoAsync(folder.Combine("staged", name), seconds: 1, size: "160x120", seed: 2000 + index)
            : await TestMedia.ImageAsync(folder.Combine("staged", name), size: "96x64", seed: 2000 + index); // distinct content for each file
        _sources[name] = await File.ReadAllBytesAsync(staged);
        _accepted.Add(new Accepted(Sha512Hex.Of(_sources[name]), video ? "mkv_x264" : "webp"));
        File.Move(staged, Path.Combine(_drop, name));
    }

    private string? OutputOf(string source)
    {
        var stem = Path.GetFileNameWithoutExtension(source);
        var output = Path.Combine(_library, stem + (source.EndsWith(".mkv", StringComparison.Ordinal) ? ".mkv" : ".webp"));
        return File.Exists(output) ? output : null;
    }

    /// <summary>Nothing lost, doubled or corrupted: on the broker, and in the client's folders.</summary>
    private void Check()
    {
        Invariants.BrokerHolds(MediaBroker.Testing.Disk.DataFolder(_data), _accepted);
        var problems = new List<string>();
        foreach (var (name, bytes) in _sources)
            if (!File.Exists(Path.Combine(_drop, name)) || Sha512Hex.Of(File.ReadAllBytes(Path.Combine(_drop, name))) != Sha512Hex.Of(bytes))
                problems.Add($"the source {name} is gone or changed");
        var placed = Directory.EnumerateFiles(_library, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        if (placed.Count != _sources.Count) problems.Add($"{placed.Count} files in the library for {_sources.Count} sources: {string.Join(", ", placed.Order())}");
        if (problems.Count > 0) throw new Xunit.Sdk.XunitException(string.Join('\n', problems));
    }

    private string WriteClientConfig()
    {
        var config = folder.Combine("client.json");
        File.WriteAllText(config, new JsonObject
        {
            ["list_of_paths_to_observe"] = new JsonArray(new JsonObject
            {
                ["path"] = _drop, ["output_path"] = _library, ["conversion_types"] = new JsonObject { ["video"] = "mkv_x264" },
            }),
            ["list_of_servers"] = new JsonArray(new JsonObject { ["id"] = "broker", ["url"] = $"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/" }),
            ["state_path"] = folder.Combine("client-state"),
            ["stable_after_seconds"] = 0.5,
            ["poll_interval_seconds"] = 0.5,
            ["rescan_interval_seconds"] = 2,
            ["broker_retry_max_seconds"] = 2,
            ["client_id"] = "chaos",
        }.ToJsonString());
        return config;
    }

}
