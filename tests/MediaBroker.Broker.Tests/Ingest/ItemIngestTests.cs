using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Pictures;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Ingest;

/// <summary>
/// Who keeps the bytes when making an item fails: a refusal discards any upload, a stop discards only a one-shot upload
/// (nothing can resume it), never a resumable one, whose client or the next start completes it.
/// </summary>
public sealed class ItemIngestTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("ingest");
    private readonly RunningPrograms _programs = new();
    private ItemStore _store = null!;
    private ItemIngest _ingest = null!;

    public async Task InitializeAsync()
    {
        var settings = RunningBroker.SettingsFor(_folder.Combine("data"));
        var data = Disk.DataFolder(settings.DataPath);
        data.EnsureCreated();
        _store = new ItemStore(data, Disk.Real, TimeProvider.System, settings, NullLogger<ItemStore>.Instance);
        await _store.OpenAsync();
        _ingest = new ItemIngest(_store, new MediaInspector(new PictureReader(settings), new MediaProbe(new ProgramRunner(_programs, TimeProvider.System), settings)), settings);
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A staged upload whose file is a FIFO: ffprobe opening it waits, so the probe is running when the test stops it.</summary>
    private StagedFile StagedFifo(bool resumable)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_store.Data.Incoming, $"tus-{Guid.NewGuid():N}")).FullName;
        var path = NamedPipe.Make(Path.Combine(folder, ItemFiles.Input));
        var sha512 = new string('0', 128);
        return resumable
            ? StagedFile.OfResumableUpload(Disk.Real, folder, path, 1000, sha512, new ItemTimings(), Task.CompletedTask)
            : StagedFile.OneShot(Disk.Real, folder, path, 1000, sha512, new ItemTimings());
    }

    private async Task<OperationCanceledException> StopDuringProbeAsync(StagedFile staged)
    {
        using var stop = new CancellationTokenSource();
        var ingesting = _ingest.IngestAsync(staged, new UploadClaims("film.mkv", "mkv_x265", null, "local"), stop.Token);
        await Eventually.TrueAsync(() => NamedPipe.HasReader(staged.Path), "ffprobe to open the upload");
        await stop.CancelAsync();
        return await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ingesting.WaitAsync(Eventually.DefaultLimit));
    }

    [Fact]
    public async Task A_stop_while_a_resumable_upload_is_probed_keeps_its_bytes_for_the_next_try()
    {
        var staged = StagedFifo(resumable: true);

        await StopDuringProbeAsync(staged);

        Assert.True(File.Exists(staged.Path));
        Assert.Empty(_store.List(new ItemQuery()).Items);
    }

    [Fact]
    public async Task A_stop_while_a_one_shot_upload_is_probed_removes_what_nothing_can_resume()
    {
        var staged = StagedFifo(resumable: false);

        await StopDuringProbeAsync(staged);

        Assert.False(Directory.Exists(staged.Folder));
    }

    [Fact]
    public async Task A_refused_resumable_upload_loses_its_bytes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_store.Data.Incoming, $"tus-{Guid.NewGuid():N}")).FullName;
        var path = Path.Combine(folder, ItemFiles.Input);
        await File.WriteAllTextAsync(path, "not what was promised");
        var staged = StagedFile.OfResumableUpload(Disk.Real, folder, path, 21, new string('a', 128), new ItemTimings(), Task.CompletedTask);

        var refusal = await Assert.ThrowsAsync<Rejection>(() =>
            _ingest.IngestAsync(staged, new UploadClaims("film.mkv", "mkv_x265", new string('b', 128), "local"), CancellationToken.None));

        Assert.Equal(RejectionKind.ChecksumMismatch, refusal.Kind);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task An_error_that_is_not_a_refusal_leaves_a_resumable_upload_whole_for_the_next_try()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_store.Data.Incoming, $"tus-{Guid.NewGuid():N}")).FullName;
        var path = Path.Combine(folder, ItemFiles.Input);
        await File.WriteAllTextAsync(path, "every byte the client sent");
        var staged = StagedFile.OfResumableUpload(Disk.Real, folder, path, 26, MediaBroker.Shared.Hashing.Sha512Hex.Of(File.ReadAllBytes(path)), new ItemTimings(), Task.CompletedTask);
        var settings = RunningBroker.SettingsFor(_store.Data.Root) with { FfprobePath = _folder.Combine("no-such-ffprobe") };
        var ingest = new ItemIngest(_store, new MediaInspector(new PictureReader(settings), new MediaProbe(new ProgramRunner(_programs, TimeProvider.System), settings)), settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ingest.IngestAsync(staged, new UploadClaims("film.mkv", "mkv_x265", null, "local"), CancellationToken.None));

        Assert.IsNotType<Rejection>(error);
        Assert.Equal("every byte the client sent", await File.ReadAllTextAsync(path)); // the upload is the store's, not ours to delete
        Assert.Empty(_store.List(new ItemQuery()).Items);
    }

    [Fact]
    public async Task An_accepted_upload_becomes_the_item_folder_by_one_rename()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("clip.mkv"));
        var folder = Directory.CreateDirectory(Path.Combine(_store.Data.Incoming, $"post-{Guid.NewGuid():N}")).FullName;
        var path = Path.Combine(folder, ItemFiles.Input);
        File.Copy(clip, path);
        var staged = StagedFile.OneShot(Disk.Real, folder, path, new FileInfo(path).Length, MediaBroker.Shared.Hashing.Sha512Hex.Of(File.ReadAllBytes(path)), new ItemTimings());

        var (item, created) = await _ingest.IngestAsync(staged, new UploadClaims("clip.mkv", null, null, "local"), CancellationToken.None);

        Assert.True(created);
        Assert.Equal("mkv_x265", item.ConversionType);
        Assert.False(Directory.Exists(folder));
        Assert.True(File.Exists(Path.Combine(_store.FolderOf(item), ItemFiles.Input)));
        staged.Discard(); // committed: nothing left to discard, and the item keeps its file
        Assert.True(File.Exists(Path.Combine(_store.FolderOf(item), ItemFiles.Input)));
    }
}
