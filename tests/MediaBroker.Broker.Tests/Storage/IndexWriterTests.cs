using MediaBroker.Broker.Storage;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>index.json written in the background, on an in-memory disk that can fill up.</summary>
public sealed class IndexWriterTests : IDisposable
{
    private readonly StoreHarness _harness = new();
    private FaultyFileSystem Disk => (FaultyFileSystem)_harness.Files;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_full_disk_leaves_the_last_index_whole_with_nothing_half_written_and_the_write_is_tried_again()
    {
        var store = await _harness.OpenAsync();
        var first = await _harness.AddAsync(store);
        await store.WriteIndexAsync();
        var before = Disk.File.ReadAllText(_harness.Data.IndexFile);
        var second = await _harness.AddAsync(store);
        var writer = new IndexWriter(store, Disk, TimeProvider.System, NullLogger<IndexWriter>.Instance);

        Disk.SpaceLeft = 100;
        var pause = await writer.WriteAsync(CancellationToken.None);

        Assert.Equal(IndexWriter.RetryDelay, pause);
        Assert.Equal(before, Disk.File.ReadAllText(_harness.Data.IndexFile));
        Assert.DoesNotContain(_harness.FilesIn(_harness.Data.Root), name => MediaBroker.Shared.Files.AtomicFile.IsTemporary(name));

        Disk.SpaceLeft = null;
        await writer.WriteAsync(CancellationToken.None);

        var index = IndexFile.Read(Disk, _harness.Data.IndexFile)!;
        Assert.Equal(new[] { first.ItemId, second.ItemId }.Order(), index.ToDo.Keys.Order());
    }
}
