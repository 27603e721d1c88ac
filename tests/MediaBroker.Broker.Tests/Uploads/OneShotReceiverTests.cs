using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>A one-shot upload meeting a disk that fills up, on an in-memory disk that can be made to: refused, nothing kept.</summary>
public sealed class OneShotReceiverTests
{
    private readonly FaultyFileSystem _disk = new();
    private readonly DataFolder _data;

    public OneShotReceiverTests()
    {
        _data = new DataFolder("/data", _disk);
        _data.EnsureCreated();
    }

    private OneShotReceiver Receiver(long minFreeBytes = 0, long maxUploadBytes = 64L << 30)
    {
        var settings = new BrokerSettings { MinFreeBytes = minFreeBytes, MaxUploadBytes = maxUploadBytes };
        var store = new ItemStore(_data, _disk, TimeProvider.System, settings, NullLogger<ItemStore>.Instance);
        return new(_data, _disk, new UploadLimits(settings, new DiskSpace(_data, _disk), store));
    }

    private static MemoryStream Body(int bytes) => new(Enumerable.Range(0, bytes).Select(i => (byte)i).ToArray());

    [Fact]
    public async Task The_bytes_land_in_a_staging_folder_of_their_own_with_their_sha512()
    {
        using var body = Body(3_000_000);

        var staged = await Receiver().ReceiveAsync(body, body.Length, CancellationToken.None);

        Assert.Equal(3_000_000, staged.Length);
        Assert.Equal(MediaBroker.Shared.Hashing.Sha512Hex.Of(body.ToArray()), staged.Sha512);
        Assert.Equal(body.ToArray(), _disk.File.ReadAllBytes(staged.Path));
        Assert.StartsWith(_data.Incoming, staged.Folder, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_the_upload_ends_in_507_and_keeps_nothing()
    {
        _disk.SpaceLeft = 2_500_000;
        using var body = Body(3_000_000);

        var refusal = await Assert.ThrowsAsync<Rejection>(() => Receiver().ReceiveAsync(body, null, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Equal("the broker's disk filled up during the upload; nothing was kept", refusal.Message);
        Assert.True(_disk.FailedWrites > 0);
        Assert.Empty(_disk.Directory.EnumerateFileSystemEntries(_data.Incoming));
    }

    [Fact]
    public async Task An_upload_that_would_leave_less_than_min_free_bytes_is_refused_before_a_byte_is_written()
    {
        _disk.SpaceLeft = 10_000_000;
        using var body = Body(3_000_000);

        var refusal = await Assert.ThrowsAsync<Rejection>(() => Receiver(minFreeBytes: 8_000_000).ReceiveAsync(body, body.Length, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Contains("min_free_bytes", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, body.Position);
        Assert.Empty(_disk.Directory.EnumerateFileSystemEntries(_data.Incoming));
    }

    [Fact]
    public async Task Two_uploads_of_declared_size_cannot_both_take_the_same_room()
    {
        // 1,000 MB free and 100 MB kept free: either upload alone fits (with room for its output), the two together do not.
        _disk.SpaceLeft = 1_000_000_000;
        var receiver = Receiver(minFreeBytes: 100_000_000);
        var stalled = new System.IO.Pipelines.Pipe(); // the first client has sent its headers and nothing yet
        using var giveUp = new CancellationTokenSource();
        var first = receiver.ReceiveAsync(stalled.Reader.AsStream(), 400_000_000, giveUp.Token);
        using var body = Body(1_000);

        var refusal = await Assert.ThrowsAsync<Rejection>(() => receiver.ReceiveAsync(body, 400_000_000, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Contains("promised to uploads", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, body.Position);
        await giveUp.CancelAsync(); // the first client goes away: its room is free again
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        body.Position = 0;
        Assert.Equal(1_000, (await receiver.ReceiveAsync(body, 400_000_000, CancellationToken.None)).Length);
    }

    [Fact]
    public async Task An_upload_past_max_upload_bytes_is_cut_off_while_it_streams_and_keeps_nothing()
    {
        using var body = Body(3_000_000);

        var refusal = await Assert.ThrowsAsync<Rejection>(() => Receiver(maxUploadBytes: 1_000_000).ReceiveAsync(body, null, CancellationToken.None));

        Assert.Equal(RejectionKind.TooLarge, refusal.Kind);
        Assert.Empty(_disk.Directory.EnumerateFileSystemEntries(_data.Incoming));
    }

    [Fact]
    public async Task Staging_folders_a_crash_left_are_removed_at_start()
    {
        var left = _disk.Path.Combine(_data.Incoming, "post-0123456789abcdef0123456789abcdef");
        _disk.Directory.CreateDirectory(left);
        _disk.File.WriteAllText(_disk.Path.Combine(left, "input"), "half an upload");
        _disk.Directory.CreateDirectory(_disk.Path.Combine(_data.Incoming, "tus-0123456789abcdef0123456789abcdef"));

        Assert.Equal(1, Receiver().RemoveAbandoned());
        Assert.Equal([_disk.Path.Combine(_data.Incoming, "tus-0123456789abcdef0123456789abcdef")], _disk.Directory.EnumerateFileSystemEntries(_data.Incoming));
    }
}
