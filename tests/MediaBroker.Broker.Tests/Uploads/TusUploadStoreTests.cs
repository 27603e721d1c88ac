using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads.Tus;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>Resumable uploads on an in-memory disk that fills up: a PATCH that cannot be written leaves the upload as it was before it.</summary>
public sealed class TusUploadStoreTests
{
    private readonly FaultyFileSystem _disk = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly TusUploadStore _uploads;
    private readonly byte[] _bytes = Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7)).ToArray();

    public TusUploadStoreTests() => _uploads = Uploads(minFreeBytes: 0);

    private TusUploadStore Uploads(long minFreeBytes)
    {
        var data = new DataFolder("/data", _disk);
        data.EnsureCreated();
        var settings = new BrokerSettings { MinFreeBytes = minFreeBytes };
        var store = new ItemStore(data, _disk, TimeProvider.System, settings, NullLogger<ItemStore>.Instance);
        return new TusUploadStore(data, _disk, settings, new UploadLimits(settings, new DiskSpace(data, _disk), store), _clock);
    }

    [Fact]
    public async Task Two_uploads_announced_at_once_cannot_both_take_the_same_room()
    {
        // 1,000 MB free and 100 MB kept free: either upload alone fits (with room for its output), the two together do not.
        _disk.SpaceLeft = 1_000_000_000;
        var uploads = Uploads(minFreeBytes: 100_000_000);
        var claims = new UploadClaims("film.mkv", null, null, "local");

        var first = await uploads.CreateAsync(400_000_000, "", claims, CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<Rejection>(() => uploads.CreateAsync(400_000_000, "", claims, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Contains("promised to uploads", refusal.Message, StringComparison.Ordinal);
        uploads.Remove(first.UploadId); // given up: its room is free again
        await uploads.CreateAsync(400_000_000, "", claims, CancellationToken.None);
    }

    private async Task<TusUploadRecord> CreateWithFirstMegabyteAsync()
    {
        var record = await _uploads.CreateAsync(_bytes.Length, "", new UploadClaims("film.mkv", null, null, "local"), CancellationToken.None);
        Assert.Equal(1_000_000, await _uploads.AppendAsync(record, 0, new MemoryStream(_bytes[..1_000_000]), 1_000_000, null, CancellationToken.None));
        return _uploads.Get(record.UploadId)!;
    }

    [Fact]
    public async Task A_disk_that_fills_up_during_a_patch_drops_that_patch_and_keeps_what_came_before()
    {
        var record = await CreateWithFirstMegabyteAsync();
        _disk.FilledByAnotherProgram(bytesLeft: 1_500_000);

        var refusal = await Assert.ThrowsAsync<Rejection>(() =>
            _uploads.AppendAsync(record, 1_000_000, new MemoryStream(_bytes[1_000_000..]), 2_000_000, null, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Equal(1_000_000, _uploads.OffsetOf(record));
        Assert.Equal(_bytes[..1_000_000], _disk.File.ReadAllBytes(_uploads.DataOf(record.UploadId)));

        _disk.SpaceLeft = null; // space freed: the client resumes where the upload stands
        Assert.Equal(_bytes.Length, await _uploads.AppendAsync(record, 1_000_000, new MemoryStream(_bytes[1_000_000..]), 2_000_000, null, CancellationToken.None));
        Assert.Equal(MediaBroker.Shared.Hashing.Sha512Hex.Of(_bytes), await _uploads.Sha512OfAsync(record, CancellationToken.None));
    }

    [Fact]
    public async Task A_patch_the_free_space_cannot_take_is_refused_before_a_byte_is_written()
    {
        var record = await CreateWithFirstMegabyteAsync();
        _disk.SpaceLeft = 1_000_000;

        var refusal = await Assert.ThrowsAsync<Rejection>(() =>
            _uploads.AppendAsync(record, 1_000_000, new MemoryStream(_bytes[1_000_000..]), 2_000_000, null, CancellationToken.None));

        Assert.Equal(RejectionKind.InsufficientStorage, refusal.Kind);
        Assert.Equal(0, _disk.FailedWrites);
        Assert.Equal(1_000_000, _uploads.OffsetOf(record));
    }

    [Fact]
    public async Task While_a_whole_upload_becomes_an_item_its_offset_stays_whole_though_its_folder_has_moved()
    {
        // The crash-point campaign found it: a HEAD between the folder's rename into to_do and the receipt answered 0,
        // and the client's PATCH from 0 then got 409 for an upload that had succeeded. (A regression of issue 10.)
        var record = await CreateWithFirstMegabyteAsync();
        Assert.Equal(_bytes.Length, await _uploads.AppendAsync(record, 1_000_000, new MemoryStream(_bytes[1_000_000..]), 2_000_000, null, CancellationToken.None));

        _uploads.MarkCompleting(record, true);
        _disk.Directory.Move(_uploads.FolderOf(record.UploadId), _uploads.FolderOf(record.UploadId) + ".now-the-item");

        Assert.Equal(_bytes.Length, _uploads.OffsetOf(record));
        _uploads.MarkCompleting(record, false);
        Assert.Equal(0, _uploads.OffsetOf(record));
    }

    [Fact]
    public async Task An_upload_that_became_an_item_keeps_its_lock_until_the_request_that_finished_it_lets_go()
    {
        var record = await CreateWithFirstMegabyteAsync();
        using (var held = _uploads.TryLock(record.UploadId))
        {
            Assert.NotNull(held);
            _uploads.MarkCompleted(record, Guid.NewGuid());

            Assert.Null(_uploads.TryLock(record.UploadId)); // a second request still waits its turn
        }
        using var next = _uploads.TryLock(record.UploadId);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task The_expiry_sweep_keeps_an_upload_that_received_bytes_after_the_sweep_had_listed_it()
    {
        var first = await CreateWithFirstMegabyteAsync();
        var second = await CreateWithFirstMegabyteAsync();
        _clock.Advance(_uploads.Expiry + TimeSpan.FromMinutes(1)); // both idle past their expiry
        // While the sweep removes the one it reached first, the other's client comes back with a PATCH: the sweep had
        // listed it as expired already, and must not act on that stale view.
        string? resumed = null;
        var sweeper = new TusExpirySweeper(_uploads, completion: null!, _clock, new OnEveryLog(() =>
        {
            if (resumed is not null) return;
            var other = _uploads.Get(first.UploadId) is null ? second : first;
            resumed = other.UploadId;
            Task.Run(() => _uploads.AppendAsync(_uploads.Get(other.UploadId)!, 1_000_000, new MemoryStream(_bytes[1_000_000..1_500_000]), 500_000, null,
                CancellationToken.None)).GetAwaiter().GetResult();
        }));

        Assert.Equal(1, sweeper.Sweep());

        Assert.NotNull(resumed);
        Assert.NotNull(_uploads.Get(resumed));
        Assert.Equal(_bytes[..1_500_000], _disk.File.ReadAllBytes(_uploads.DataOf(resumed)));
    }

    /// <summary>Runs an action at each log line: the moment the sweep has just removed an upload.</summary>
    private sealed class OnEveryLog(Action action) : ILogger<TusExpirySweeper>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => action();
    }
}
