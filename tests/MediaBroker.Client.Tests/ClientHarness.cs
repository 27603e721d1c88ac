using System.Text.Json;
using System.Text.Json.Nodes;
using MediaBroker.Client.Hosting;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests;

/// <summary>
/// A clock that runs in real time but can jump ahead: for a client talking to real brokers, whose retry pauses must
/// pass in real time while a test skips the minutes of a failover. (Where time may stand still, tests use
/// FakeTimeProvider instead: it cannot do both at once.)
/// </summary>
public sealed class JumpingClock : TimeProvider
{
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;

    public void Jump(TimeSpan by) => _offset += by;
}

/// <summary>A client in a temp folder: a drop folder, a library, its state, and a client.json pointing at given brokers.</summary>
public sealed class ClientHarness : IDisposable
{
    public ClientHarness(string label = "client")
    {
        Folder = new TempFolder(label);
        Directory.CreateDirectory(Drop);
        Directory.CreateDirectory(Library);
    }

    public TempFolder Folder { get; }
    public string Drop => Folder.Combine("drop");
    public string Library => Folder.Combine("library");
    public string State => Folder.Combine("state");
    public string ConfigPath => Folder.Combine("client.json");
    public JumpingClock Clock { get; } = new();

    /// <summary>Writes client.json: one watched folder (drop, outputs into library unless besideSource), the given brokers.</summary>
    public string Configure(IEnumerable<(string Id, Uri Url)> brokers, bool besideSource = false, Action<JsonObject>? root = null, Action<JsonObject>? settings = null)
    {
        var observed = new JsonObject
        {
            ["path"] = Drop, ["recursive"] = true, ["conversion_types"] = new JsonObject { ["video"] = "mkv_x264" },
        };
        if (!besideSource) observed["output_path"] = Library;
        root?.Invoke(observed);
        var config = new JsonObject
        {
            ["list_of_paths_to_observe"] = new JsonArray(observed),
            ["list_of_servers"] = new JsonArray(brokers.Select(broker => (JsonNode)new JsonObject { ["id"] = broker.Id, ["url"] = broker.Url.ToString() }).ToArray()),
            ["state_path"] = State,
            ["stable_after_seconds"] = 0.5,
            ["poll_interval_seconds"] = 0.5,
            ["rescan_interval_seconds"] = 1,
            ["broker_retry_max_seconds"] = 2,
            ["parallel_transfers"] = 2,
        };
        settings?.Invoke(config);
        File.WriteAllText(ConfigPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return ConfigPath;
    }

    public ClientContext Open(TimeProvider? time = null) => ClientContext.Open(ConfigPath, exclusive: true, verbose: false, time ?? Clock);

    /// <summary>Runs passes until <paramref name="done"/> holds (waiting for files to settle and brokers to convert).</summary>
    public static async Task RunUntilAsync(ClientContext context, Func<bool> done, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(90));
        while (!done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await context.Engine.RunPassAsync(scan: true, CancellationToken.None);
            if (!done()) await Task.Delay(200);
        }
    }

    public void Dispose() => Folder.Dispose();
}
