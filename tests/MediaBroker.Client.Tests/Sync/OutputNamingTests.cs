using System.IO.Abstractions;
using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Sync;

/// <summary>
/// clip.mp4 and a different clip.mov in one watched folder would both make clip.mkv: the clash is settled before
/// either is sent, as when_output_exists says, and nothing the broker converts is thrown away.
/// </summary>
public sealed class OutputNamingTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("naming");
    private RunningBroker _broker = null!;
    private string _mp4 = null!;
    private string _mov = null!;

    public async Task InitializeAsync()
    {
        _broker = await RunningBroker.StartAsync(_client.Folder.Combine("broker"));
        _mp4 = await TestMedia.VideoAsync(Path.Combine(_client.Drop, "clip.mp4"), seconds: 1, audio: false, extension: "mp4", seed: 31);
        _mov = await TestMedia.VideoAsync(Path.Combine(_client.Drop, "clip.mov"), seconds: 1, audio: false, extension: "mov", seed: 32);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _client.Dispose();
    }

    private TrackedFile? Saved(string path) => ClientDatabase.Open(new FileSystem(), _client.State, forWriting: false).Get(path);

    private async Task<string> WatchUntilSettledAsync()
    {
        using var watch = ClientProcess.Start(_client.Folder.Path, "watch", "--config", _client.ConfigPath);
        await Eventually.TrueAsync(() => new[] { _mp4, _mov }.All(path => Saved(path)?.Status is FileStatus.Done or FileStatus.Skipped),
            "both sources to be done or skipped");
        Signals.Send(watch.Id, Signals.Term);
        await watch.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return watch.Output;
    }

    [Fact]
    public async Task With_number_the_second_source_is_named_clip_1_before_it_is_sent_and_both_conversions_are_placed()
    {
        _client.Configure([("local", _broker.Url)], root: root => root["when_output_exists"] = "number");

        var log = await WatchUntilSettledAsync();

        var first = Path.Combine(_client.Library, "clip.mkv");
        var second = Path.Combine(_client.Library, "clip (1).mkv");
        var records = new[] { Saved(_mp4)!, Saved(_mov)! };
        Assert.All(records, record => Assert.Equal(FileStatus.Done, record.Status));
        Assert.Equal([second, first], records.Select(record => record.OutputPath).Order(StringComparer.Ordinal)); // " (" sorts before "."
        foreach (var record in records)
            Assert.Equal((await _broker.Api.GetItemAsync(record.ItemId!.Value)).Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(record.OutputPath!));
        Assert.Equal(["clip (1).mkv", "clip.mkv"], Directory.EnumerateFiles(_client.Library).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // Decided before the upload: the name is in the log before the file becomes an item on the broker.
        var numbered = records.Single(record => record.OutputPath == second).Path;
        var decided = log.IndexOf($"{numbered} will make {second}", StringComparison.Ordinal);
        Assert.True(decided >= 0, log);
        Assert.True(decided < log.IndexOf($"{numbered} is item", StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task With_skip_the_second_source_is_reported_and_never_sent_so_nothing_converted_is_dropped()
    {
        _client.Configure([("local", _broker.Url)], root: root => root["when_output_exists"] = "skip");

        var log = await WatchUntilSettledAsync();

        var records = new[] { Saved(_mp4)!, Saved(_mov)! };
        var sent = Assert.Single(records, record => record.Status == FileStatus.Done);
        var skipped = Assert.Single(records, record => record.Status == FileStatus.Skipped);
        var output = Path.Combine(_client.Library, "clip.mkv");
        Assert.Equal(output, sent.OutputPath);
        Assert.Equal($"{output} is where {sent.Path} goes; not sent (when_output_exists: skip)", Assert.Single(skipped.Errors));
        Assert.Null(skipped.ItemId);
        Assert.Contains($"{skipped.Path}: {output} is where", log, StringComparison.Ordinal);
        // The broker converted one file only, and its output is the one in the library.
        var items = await _broker.Api.ListAsync(new Dictionary<string, string?>());
        Assert.Equal(sent.ItemId, Assert.Single(items.Items).ItemId);
        Assert.Equal(["clip.mkv"], Directory.EnumerateFiles(_client.Library).Select(Path.GetFileName));
        Assert.Equal(Assert.Single(items.Items).Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(output));
    }
}
