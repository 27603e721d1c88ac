using System.Net;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Reliability;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Library;

/// <summary>
/// A broker killed (as kill -9 would) around the hard link, in a real process: started again, it places the output
/// once, recognising a file it linked before it could record it, never as " (2)".
/// </summary>
public sealed class LibraryCrashTests : IDisposable
{
    private readonly TempFolder _folder = new("library-crash");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Killed_right_before_or_right_after_the_link_the_next_start_places_the_output_exactly_once()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("Crash Test.mkv"), seconds: 1, seed: 81);
        var steps = _folder.Combine("steps.log");
        await RunAsync("counting", clip, new Dictionary<string, string> { [CrashPoints.LogVariable] = steps });
        var lines = File.ReadAllLines(steps);
        var link = Array.FindIndex(lines, line => line.Contains("|link <data>/", StringComparison.Ordinal));
        Assert.True(link >= 0, "the scenario passed no link");
        // The item's own record of the placement: background steps (an index snapshot) may come between, in any order.
        var record = Array.FindIndex(lines, link + 1, line => line.Contains(" <data>/finished_successful/", StringComparison.Ordinal));
        Assert.True(record > link, "the placement was never recorded on the item");

        foreach (var (label, step) in new[] { ("before", lines[link]), ("after", lines[record]) })
        {
            var (occurrence, name) = BrokerCrashScenario.ParseStep(step);
            var (item, library, restarted) = await RunAsync(label, clip, new Dictionary<string, string>
            {
                [CrashPoints.CrashAtVariable] = CrashPoints.At(occurrence, name),
            });

            Assert.True(restarted, $"the broker was not killed {label} the link ({step})");
            Assert.Equal(new ItemLibrary { Path = "Films/Crash Test.mkv", HardLinked = true }, item.Library);
            Assert.Equal(["Crash Test.mkv"], Directory.GetFiles(Path.Combine(library, "Films")).Select(Path.GetFileName));
        }
    }

    /// <summary>Uploads the clip to a broker with a library; when the broker dies on the way, starts it again (no crash point) and waits for the placement.</summary>
    private async Task<(Item Item, string Library, bool Restarted)> RunAsync(string label, string clip, Dictionary<string, string> environment)
    {
        var data = _folder.Combine(label, "data");
        var library = _folder.Combine(label, "library");
        var config = _folder.WriteFile(Path.Combine(label, "broker.json"), System.Text.Encoding.UTF8.GetBytes($$"""{ "library_path": "{{library}}" }"""));
        Guid itemId;
        await using (var broker = await BrokerProcess.StartAsync(data, configPath: config, environment: environment))
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent("mkv_x264"), "conversion_type" },
                { new StringContent("Films"), "directory" },
                { new ByteArrayContent(await File.ReadAllBytesAsync(clip)), "file", "Crash Test.mkv" },
            };
            var response = await broker.Http.PostAsync("api/items", form);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            itemId = (await response.ReadItemAsync()).ItemId;
            var placedOrDead = await Eventually.GetAsync(async () =>
            {
                if (!broker.IsRunning) return "dead";
                try
                {
                    return (await broker.Api.GetItemAsync(itemId)).Library is not null ? "placed" : null;
                }
                catch (MediaBroker.Shared.Api.BrokerUnavailableException) when (broker.DiedWithin(TimeSpan.FromSeconds(10)))
                {
                    return "dead";
                }
            }, "the placement, or the broker's death");
            if (placedOrDead == "placed") return (await broker.Api.GetItemAsync(itemId), library, false);
        }
        await using var again = await BrokerProcess.StartAsync(data, configPath: config);
        var item = await again.Api.WaitForAsync(itemId, item => item.Library is not null, "its place in the library");
        return (item, library, true);
    }
}
