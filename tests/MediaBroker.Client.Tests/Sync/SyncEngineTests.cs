using System.Net;
using System.Net.Sockets;
using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Sync;

/// <summary>The client's passes against real brokers (in this process, on loopback ports).</summary>
public sealed class SyncEngineTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("sync");
    private readonly BrokerFleet _brokers;

    public SyncEngineTests() => _brokers = new BrokerFleet(_client.Folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _client.Dispose();
    }

    private Task<RunningBroker> StartBrokerAsync(string name) => _brokers.StartAsync(SlowProfiles.With, _client.Folder.Combine($"broker-{name}"));

    [Fact]
    public async Task Dropped_files_end_converted_in_the_library_mirroring_their_folders_and_verified()
    {
        var broker = await StartBrokerAsync("a");
        _client.Configure([("a", broker.Url)]);
        var video = await TestMedia.VideoAsync(Path.Combine(_client.Drop, "Trips", "alps.mp4"), seconds: 1, size: "160x120", extension: "mp4");
        var picture = await TestMedia.ImageAsync(Path.Combine(_client.Drop, "cat.png"), seed: 3);
        using var context = _client.Open();

        await ClientHarness.RunUntilAsync(context, () => context.Database.All().Count(file => file.Status == FileStatus.Done) == 2, "both files to be done");

        var mkv = Path.Combine(_client.Library, "Trips", "alps.mkv");
        var webp = Path.Combine(_client.Library, "cat.webp");
        foreach (var (source, output) in new[] { (video, mkv), (picture, webp) })
        {
            var record = context.Database.Get(source)!;
            Assert.Equal(output, record.OutputPath);
            var item = await broker.Api.GetItemAsync(record.ItemId!.Value);
            Assert.Equal(item.Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(output));
            Assert.Equal(context.Settings.EffectiveClientId, item.ClientId);
        }
        Assert.Empty(Directory.EnumerateFiles(_client.Library, ".*", SearchOption.AllDirectories)); // no partial file left
        var items = await broker.Api.ListAsync(new Dictionary<string, string?>());
        Assert.Equal(2, items.Items.Count);
    }

    [Fact]
    public async Task A_client_stopped_between_placing_an_output_and_noting_it_does_not_place_it_twice()
    {
        var broker = await StartBrokerAsync("a");
        _client.Configure([("a", broker.Url)]);
        var picture = await TestMedia.ImageAsync(Path.Combine(_client.Drop, "cat.png"), seed: 21);
        using var context = _client.Open();
        await ClientHarness.RunUntilAsync(context, () => context.Database.Get(picture)?.Status == FileStatus.Done, "the picture to be done");
        var placed = context.Database.Get(picture)!;

        // What the database holds when the client is killed right after the rename into the library.
        foreach (var status in new[] { FileStatus.Downloading, FileStatus.Converting })
        {
            context.Database.Put(context.Database.Get(picture)! with { Status = status, OutputSha512 = null });
            await context.Engine.RunPassAsync(scan: false, CancellationToken.None);

            var record = context.Database.Get(picture)!;
            Assert.Equal(FileStatus.Done, record.Status);
            Assert.Equal(placed.OutputPath, record.OutputPath);
            Assert.Equal(placed.OutputSha512, record.OutputSha512);
            Assert.Equal(["cat.webp"], Directory.EnumerateFiles(_client.Library, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        }
    }

    [Fact]
    public async Task An_upload_cut_mid_way_resumes_from_where_it_stopped_and_is_verified()
    {
        var broker = await StartBrokerAsync("a");
        var clip = await TestMedia.VideoAsync(_client.Folder.Combine("sent.mp4"), seconds: 6, size: "640x360", extension: "mp4", seed: 6);
        await using var proxy = new CuttingProxy(broker.Url, cutAfterBytes: new FileInfo(clip).Length / 2, cuts: 1, cutUploads: true);
        _client.Configure([("a", proxy.Url)]);
        File.Copy(clip, Path.Combine(_client.Drop, "sent.mp4"));
        using var context = _client.Open();

        await ClientHarness.RunUntilAsync(context, () => proxy.CutsMade == 1, "the upload to be cut");
        await ClientHarness.RunUntilAsync(context, () => context.Database.All().Single().ItemId is not null, "the upload to finish");

        var item = await broker.Api.GetItemAsync(context.Database.All().Single().ItemId!.Value);
        Assert.Equal(Sha512Hex.Of(await File.ReadAllBytesAsync(clip)), item.Sha512Checksum);
        Assert.Single((await broker.Api.ListAsync(new Dictionary<string, string?>())).Items);
    }

    [Fact]
    public async Task A_download_cut_mid_way_resumes_from_where_it_stopped_and_is_verified()
    {
        var broker = await StartBrokerAsync("a");
        var clip = await TestMedia.VideoAsync(_client.Folder.Combine("big.mp4"), seconds: 6, size: "640x360", extension: "mp4", seed: 5);
        // Convert it first, as this client (the broker keeps one copy of a content per client), to know the output's size
        // and cut the link half way through its download.
        var fields = new Dictionary<string, string> { ["conversion_type"] = "mkv_x264", ["client_id"] = new MediaBroker.Client.Configuration.ClientSettings().EffectiveClientId };
        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(clip, fields: fields)).ReadItemAsync()).ItemId);
        await using var proxy = new CuttingProxy(broker.Url, cutAfterBytes: item.Output!.FileSize / 2, cuts: 1, cutUploads: false);
        _client.Configure([("a", proxy.Url)]);
        File.Copy(clip, Path.Combine(_client.Drop, "big.mp4"));
        using var context = _client.Open();

        await ClientHarness.RunUntilAsync(context, () => proxy.CutsMade == 1, "the download to be cut");
        var partial = Directory.EnumerateFiles(_client.Library, ".big.mkv.*.partial").Single();
        Assert.InRange(new FileInfo(partial).Length, 1, item.Output.FileSize - 1);

        await ClientHarness.RunUntilAsync(context, () => context.Database.All().Single().Status == FileStatus.Done, "the download to finish");
        Assert.Equal(item.Output.Sha512Checksum, await Sha512Hex.OfFileAsync(Path.Combine(_client.Library, "big.mkv")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task A_failed_conversion_is_reported_with_the_brokers_error_and_not_retried_on_its_own()
    {
        var broker = await StartBrokerAsync("a");
        _client.Configure([("a", broker.Url)]);
        var broken = await TestMedia.BrokenVideoAsync(_client.Folder.Combine("broken.mkv"), seed: 8);
        File.Move(broken, Path.Combine(_client.Drop, "broken.mkv"));
        using var context = _client.Open();

        await ClientHarness.RunUntilAsync(context, () => context.Database.All().SingleOrDefault()?.Status == FileStatus.Failed, "the failure to be reported");
        var failed = context.Database.All().Single();
        Assert.NotEmpty(failed.Errors);
        var version = failed.Version;
        for (var i = 0; i < 3; i++) await context.Engine.RunPassAsync(scan: true, CancellationToken.None);

        Assert.Equal(FileStatus.Failed, context.Database.All().Single().Status);
        Assert.Equal(ItemStatus.FinishedWithErrors, (await broker.Api.GetItemAsync(failed.ItemId!.Value)).Status);
        Assert.Single((await broker.Api.ListAsync(new Dictionary<string, string?>())).Items);
        Assert.True(context.Database.All().Single().Version - version <= 3); // only last_checked_at moved
    }

    [Fact]
    public async Task A_broker_that_is_down_is_asked_again_after_growing_pauses_never_in_a_tight_loop()
    {
        // A "broker" that accepts connections and drops them at once, counting every attempt.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var attempts = 0;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var connection = await listener.AcceptTcpClientAsync(stop.Token);
                    Interlocked.Increment(ref attempts);
                    connection.Client.LingerState = new LingerOption(true, 0);
                }
                catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException) { }
            }
        });
        _client.Configure([("down", new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/"))], settings: s => s["broker_retry_max_seconds"] = 30);
        using var context = _client.Open();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(4)) await context.Engine.RunPassAsync(scan: false, CancellationToken.None);
        await stop.CancelAsync();
        listener.Stop();

        // Hundreds of passes ran; the broker was asked a handful of times: three tries, then pauses of about 1, 2, 4 s.
        Assert.InRange(attempts, 3, 9);
        Assert.False(context.Brokers.Get("down")!.IsUp);
    }

    [Fact]
    public async Task An_item_whose_broker_stays_away_too_long_goes_to_another_broker()
    {
        var first = await StartBrokerAsync("first");
        var second = await StartBrokerAsync("second");
        // The first broker is the only one at the start, and converts slowly (ffmpeg at the clip's own pace).
        _client.Configure([("first", first.Url), ("second", second.Url)], root: r => r["conversion_types"] = new System.Text.Json.Nodes.JsonObject { ["video"] = SlowProfiles.Name },
            settings: s => s["failover_after_minutes"] = 10);
        await second.StopAsync();
        var clip = await TestMedia.VideoAsync(Path.Combine(_client.Drop, "slow.mkv"), seconds: 20, size: "320x240", seed: 9);
        using var context = _client.Open();
        await ClientHarness.RunUntilAsync(context, () => context.Database.Get(clip)?.Status == FileStatus.Converting, "the file to reach the first broker");
        Assert.Equal("first", context.Database.Get(clip)!.ServerId);

        await first.StopAsync();
        var second2 = await _brokers.StartAsync(settings => SlowProfiles.With(settings) with { ListenOnPort = second.Url.Port }, second.Settings.DataPath);
        await context.Engine.RunPassAsync(scan: false, CancellationToken.None); // notes that the first broker is away
        Assert.Equal("first", context.Database.Get(clip)!.ServerId);
        _client.Clock.Jump(TimeSpan.FromMinutes(11));

        await ClientHarness.RunUntilAsync(context, () => context.Database.Get(clip)?.ServerId == "second", "the file to move to the second broker");
        Assert.Equal(Sha512Hex.Of(await File.ReadAllBytesAsync(clip)),
            (await second2.Api.GetItemAsync(context.Database.Get(clip)!.ItemId!.Value)).Sha512Checksum);
    }

    [Fact]
    public async Task A_broker_that_says_finished_but_names_no_output_does_not_break_the_pass()
    {
        var broker = await StartBrokerAsync("a");
        var picture = await TestMedia.ImageAsync(_client.Folder.Combine("dog.png"), seed: 55);
        var item = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(picture)).ReadItemAsync()).ItemId);
        // What an older broker stopped at the wrong moment answered: finished_successful, and no output.
        await using var front = await RewritingFront.StartAsync(broker.Url,
            json => System.Text.RegularExpressions.Regex.Replace(json, ",\"output\":\\{[^}]*\\}", ""));
        _client.Configure([("a", front.Url)]);
        var source = Path.Combine(_client.Drop, "dog.png");
        File.Copy(picture, source);
        using var context = _client.Open();
        await context.Brokers.RefreshAsync(CancellationToken.None);
        context.Database.Put(new TrackedFile
        {
            Path = source, CreatedAt = DateTimeOffset.UtcNow, Status = FileStatus.Converting, ServerId = "a", ItemId = item.ItemId,
            Sha512Checksum = item.Sha512Checksum, FileSize = item.FileSize, MediaType = "image", ConversionType = item.ConversionType,
        });

        await context.Engine.RunPassAsync(scan: false, CancellationToken.None);

        Assert.Equal(FileStatus.Converting, context.Database.Get(source)!.Status);
        Assert.Empty(Directory.EnumerateFiles(_client.Library, "*", SearchOption.AllDirectories));
    }
}
