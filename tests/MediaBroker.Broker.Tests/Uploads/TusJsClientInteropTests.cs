using System.Diagnostics;
using System.Text.Json;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>The official tus client (tus-js-client from npm, on Node) against the broker, over a link that breaks mid-way.</summary>
public sealed class TusJsClientInteropTests : IDisposable
{
    private readonly TempFolder _folder = new("tus-js");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Tus_js_client_survives_a_cut_connection_resumes_and_gets_the_item()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var clip = await TestMedia.VideoAsync(_folder.Combine("trip.mkv"), seconds: 6, size: "640x360", seed: 21);
        var bytes = await File.ReadAllBytesAsync(clip);
        var sha512 = Sha512Hex.Of(bytes);
        // The link breaks once, when 40 % of the file has gone through.
        await using var proxy = new CuttingProxy(broker.Url, cutAfterBytes: bytes.Length * 4 / 10, cuts: 1, cutUploads: true);

        var (exitCode, output) = await RunNodeAsync("tus-upload.mjs", $"{proxy.Url}api/uploads/", clip, "trip.mkv", "mkv_x264", sha512);

        Assert.True(exitCode == 0, output);
        Assert.Equal(1, proxy.CutsMade);
        using var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.True(result.RootElement.GetProperty("resumes").GetInt32() >= 1, output);
        var itemId = Guid.Parse(result.RootElement.GetProperty("itemId").GetString()!);
        var item = await broker.Api.GetItemAsync(itemId);
        Assert.Equal(sha512, item.Sha512Checksum);
        Assert.Equal("trip.mkv", item.OriginalFileName);
        Assert.Equal(ItemStatus.FinishedSuccessful, (await broker.Api.WaitUntilFinishedAsync(itemId)).Status);
        Assert.Empty(Directory.EnumerateDirectories(broker.Store.Data.Incoming));
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string script, params string[] arguments)
    {
        var folder = Path.Combine(Repository.Root, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "tus-js-client")), "run scripts/setup --tests first (npm ci in tests/interop)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (node.ExitCode, await output + await errors);
    }
}
