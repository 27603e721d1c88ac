using System.Text.Json.Nodes;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Reliability;
using Xunit;

namespace MediaBroker.Testing;

/// <summary>
/// The client's side of a crash: two files dropped into a watched folder, `media-client sync` run until both outputs
/// are in the library and the sources moved away (after_success: move), against a broker that stays up. Whenever a
/// sync dies (a crash point), the next one starts where the item database left it.
/// </summary>
public sealed class ClientCrashScenario(TempFolder folder, string name)
{
    private string Root => folder.Combine(name);
    private string Drop => Path.Combine(Root, "drop");
    private string Library => Path.Combine(Root, "library");
    private string Done => Path.Combine(Root, "done");

    /// <summary>How many syncs were killed and followed by another.</summary>
    public int Restarts { get; private set; }

    /// <summary>The files dropped: their name and content.</summary>
    public Dictionary<string, byte[]> Sources { get; } = [];

    /// <param name="environment">Crash point settings for every sync until one is killed by them (a point may come only in a later sync).</param>
    public async Task RunAsync(Uri broker, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(Drop);
        Sources["dog.png"] = await File.ReadAllBytesAsync(await TestMedia.ImageAsync(folder.Combine("client-media", "dog.png"), seed: 811));
        Sources["clip.mkv"] = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(folder.Combine("client-media", "clip.mkv"), seconds: 1, size: "160x120", seed: 812));
        foreach (var (file, bytes) in Sources) await File.WriteAllBytesAsync(Path.Combine(Drop, file), bytes);
        var config = Path.Combine(Root, "client.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["list_of_paths_to_observe"] = new JsonArray(new JsonObject
            {
                ["path"] = Drop, ["output_path"] = Library, ["after_success"] = "move", ["move_source_to"] = Done,
                ["conversion_types"] = new JsonObject { ["video"] = "mkv_x264" },
            }),
            ["list_of_servers"] = new JsonArray(new JsonObject { ["id"] = "broker", ["url"] = broker.ToString() }),
            ["state_path"] = Path.Combine(Root, "state"),
            ["stable_after_seconds"] = 0,
            ["client_id"] = "crash",
        }.ToJsonString());

        for (var run = 0; ; run++)
        {
            var result = await ClientProcess.RunAsync(Root, Restarts == 0 ? environment : null, "sync", "--config", config);
            if (result.ExitCode == 0) return;
            if (result.ExitCode == 137) Restarts++; // killed on a crash point: the next sync carries on, without it
            else if (result.ExitCode != 3) throw new InvalidOperationException($"sync failed: {result}");
            if (run > 200) throw new TimeoutException($"sync never finished: {result}");
        }
    }

    /// <summary>Every source converted once, placed once, whole; every source moved away unchanged; nothing half-written left.</summary>
    public void Holds()
    {
        var outputs = Directory.EnumerateFiles(Library, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["clip.mkv", "dog.webp"], outputs);
        foreach (var (file, bytes) in Sources)
        {
            Assert.False(File.Exists(Path.Combine(Drop, file)), $"{file} was not moved away");
            Assert.Equal(Sha512Hex.Of(bytes), Sha512Hex.Of(File.ReadAllBytes(Path.Combine(Done, file))));
        }
        Assert.Equal(Sources.Keys.Order(), Directory.EnumerateFiles(Done, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, "state")).Where(file => Shared.Files.AtomicFile.IsTemporary(Path.GetFileName(file))));
    }

    public IReadOnlyList<Accepted> Accepted() =>
        [new(Sha512Hex.Of(Sources["dog.png"]), "webp"), new(Sha512Hex.Of(Sources["clip.mkv"]), "mkv_x264")];

    /// <summary>Runs the scenario once with a crash log and returns every crash point it passed, in order.</summary>
    public static async Task<IReadOnlyList<(int Occurrence, string Name)>> StepsAsync(TempFolder folder, Uri broker)
    {
        var log = folder.Combine("client-steps.log");
        await new ClientCrashScenario(folder, "client-counting").RunAsync(broker, new Dictionary<string, string> { [CrashPoints.LogVariable] = log });
        return File.ReadAllLines(log).Select(BrokerCrashScenario.ParseStep).ToList();
    }
}
