using System.Net;
using System.Net.Http.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>
/// A fetched link meets min_free_bytes as an upload does: a full disk refuses the link at once (507), and a fetch whose
/// size turns out larger than the room left stops and fails with the reason, instead of filling the disk.
/// </summary>
public sealed class FetchRoomTests : IAsyncLifetime
{
    private readonly FaultyFileSystem _disk = new();
    private MediaSite _site = null!;

    public async Task InitializeAsync() => _site = await MediaSite.StartAsync("fetch-room", seconds: 1);

    public async Task DisposeAsync() => await _site.DisposeAsync();

    /// <summary>Upload limits over an in-memory disk with <paramref name="free"/> bytes free and a floor of 1 MB.</summary>
    private UploadLimits Limits(long free)
    {
        _disk.SpaceLeft = free;
        var data = new DataFolder("/data", _disk);
        data.EnsureCreated();
        var settings = new BrokerSettings { MinFreeBytes = 1_000_000 };
        return new UploadLimits(settings, new DiskSpace(data, _disk), new ItemStore(data, _disk, TimeProvider.System, settings, NullLogger<ItemStore>.Instance));
    }

    private sealed class Reports : List<FetchProgress>, IProgress<FetchProgress>
    {
        public void Report(FetchProgress value) => Add(value);
    }

    [Fact]
    public void An_announced_size_that_fits_is_claimed_and_given_back_when_the_fetch_ends()
    {
        var limits = Limits(free: 21_000_000);
        var reports = new Reports();

        using (var room = FetchRoom.Claim(limits, fetched: 0, reports, CancellationToken.None))
        {
            room.Report(new FetchProgress(0, 10_000_000, 0)); // 10 MB and as much for its output: 20 MB of 21, over a floor of 1
            Assert.Null(room.Refusal);
            Assert.False(room.Token.IsCancellationRequested);
            // While it runs, that room is promised: an upload of 1 byte more does not fit.
            Assert.Equal(RejectionKind.InsufficientStorage, Assert.Throws<Rejection>(() => limits.Claim(1)).Kind);
        }

        Assert.Equal([new FetchProgress(0, 10_000_000, 0)], reports); // every report goes on to the item
        using var after = limits.Claim(10_000_000); // given back
    }

    [Fact]
    public void A_fetch_that_outgrows_the_room_left_is_stopped_with_the_reason()
    {
        var limits = Limits(free: 21_000_000);
        using var room = FetchRoom.Claim(limits, fetched: 0, new Reports(), CancellationToken.None);

        room.Report(new FetchProgress(4_000_000, null, 0)); // no size announced: what has come is claimed
        Assert.Null(room.Refusal);
        room.Report(new FetchProgress(16_000_000, null, 0)); // 12 MB more, and as much for the output, no longer fit

        Assert.True(room.Token.IsCancellationRequested);
        Assert.StartsWith("the broker's disk has no room for this link: the broker has 21000000 bytes free", room.Refusal);
    }

    [Fact]
    public void A_disk_already_under_its_floor_refuses_the_fetch_before_it_starts()
    {
        var refused = Assert.Throws<FetchFailed>(() => FetchRoom.Claim(Limits(free: 900_000), fetched: 0, new Reports(), CancellationToken.None));
        Assert.StartsWith("the broker's disk has no room for this link", refused.Message);
    }

    [Fact]
    public async Task A_link_larger_than_the_free_disk_fails_with_the_reason_and_a_full_disk_refuses_links_at_once()
    {
        using var folder = new TempFolder("fetch-room-broker");
        await using (var broker = await RunningBroker.StartAsync(folder.Combine("data"),
            settings => settings with { UrlAllowList = ["127.0.0.1"], MaxDownloadBytes = long.MaxValue }))
        {
            // The link announces a pebibyte: no disk here has that free, so the fetch stops at its first report.
            var (item, _) = await broker.Api.AddLinkAsync(new LinkRequest { Url = _site.Server.Url("vast.mp4").AbsoluteUri, ConversionType = "mkv_x264" });
            var failed = await broker.Api.WaitUntilFinishedAsync(item.ItemId);

            Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
            Assert.StartsWith("the broker's disk has no room for this link: the broker has ", Assert.Single(failed.Errors));
            Assert.Contains($"the file needs {2 * LinkServer.VastBytes}", failed.Errors[0]);
        }

        // A floor above the disk's free space: the link is refused at once (507), and no item is made.
        await using var full = await RunningBroker.StartAsync(folder.Combine("full"),
            settings => settings with { UrlAllowList = ["127.0.0.1"], MinFreeBytes = 1L << 60 });
        using var refused = await full.Http.PostAsJsonAsync("api/items", new { url = _site.Server.Url("clip.mp4").AbsoluteUri });

        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Contains("min_free_bytes", await refused.ReadProblemDetailAsync());
        Assert.Empty((await full.Api.ListAsync(new Dictionary<string, string?>())).Items);
    }
}
