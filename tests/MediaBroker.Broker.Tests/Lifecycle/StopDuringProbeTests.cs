using System.Net;
using MediaBroker.Broker.Uploads.Tus;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>
/// A stop that lands while ffprobe is looking at a file says nothing about the file: a complete upload keeps its
/// bytes, a good conversion goes back to to_do. (Regressions of issue 9: both used to be taken for an unreadable file.)
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StopDuringProbeTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("stop-during-probe");
    private readonly BrokerFleet _brokers;

    public StopDuringProbeTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_client_that_goes_away_while_its_complete_upload_is_probed_loses_nothing_and_completes_it_later()
    {
        var probe = GatedProgram.Write(_folder, "ffprobe", match: "/incoming/tus-");
        var broker = await _brokers.StartAsync(settings => settings with { FfprobePath = probe.Path });
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(_folder.Combine("clip.mkv"), seed: 90));
        var tus = new RawTus(broker.Http);
        var location = await tus.CreateLocationAsync(bytes.Length,
            RawTus.Metadata(("filename", "clip.mkv"), ("conversion_type", "mkv_x264"), ("sha512", Sha512Hex.Of(bytes))));

        // The last (and only) PATCH: every byte arrives, the completion probes the file, and the client goes away.
        using var leaving = new CancellationTokenSource();
        using var patch = RawTus.Request(HttpMethod.Patch, location);
        patch.Headers.Add("Upload-Offset", "0");
        patch.Content = RawTus.Body(bytes);
        var sending = broker.Http.SendAsync(patch, leaving.Token);
        await Eventually.TrueAsync(() => probe.HasStarted, "the completion to probe the upload");
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        var uploads = broker.Services.GetRequiredService<TusUploadStore>();
        await Eventually.TrueAsync(() => !uploads.IsBusy(location.Split('/')[^1]), "the broker to let go of the PATCH");

        using var head = await tus.HeadAsync(location);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(bytes.Length, await tus.OffsetAsync(location));

        probe.Open();
        using var again = await tus.PatchAsync(location, bytes.Length, []);
        Assert.True(again.StatusCode == HttpStatusCode.NoContent, $"{(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}");
        var item = await broker.Api.GetItemAsync(Guid.Parse(RawTus.ItemIdOf(again)!));
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum);
    }

    [Fact]
    public async Task A_stop_while_a_finished_conversion_is_checked_puts_the_item_back_in_to_do_not_in_failed()
    {
        var probe = GatedProgram.Write(_folder, "ffprobe", match: "output.partial");
        var broker = await _brokers.StartAsync(settings => settings with { FfprobePath = probe.Path });
        var clip = await TestMedia.VideoAsync(_folder.Combine("clip.mkv"), seed: 91);
        var item = await (await broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" })).ReadItemAsync();
        await Eventually.TrueAsync(() => probe.HasStarted, "the conversion's output to be checked");

        await broker.StopAsync();

        var stopped = broker.Store.Get(item.ItemId)!;
        Assert.Equal(ItemStatus.ToDo, stopped.Status);
        Assert.Empty(stopped.Errors);
        DataFolderAssert.NoPartialFiles(broker.Store.Data);
        probe.Open();
        await using var restarted = await RunningBroker.StartAsync(broker.Settings.DataPath);
        Assert.Equal(ItemStatus.FinishedSuccessful, (await restarted.Api.WaitUntilFinishedAsync(item.ItemId)).Status);
    }
}
