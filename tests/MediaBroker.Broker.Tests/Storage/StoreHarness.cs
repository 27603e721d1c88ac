using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>
/// A store that can be closed and opened again, as a restart would: on an in-memory disk (System.IO.Abstractions'
/// MockFileSystem, which can be made to fill up), or on a real temp folder where real-disk behaviour is the point.
/// </summary>
public sealed class StoreHarness(IFileSystem? files = null) : IDisposable
{
    private readonly TempFolder? _folder = files is null ? null : new TempFolder("store");

    public IFileSystem Files { get; } = files ?? new FaultyFileSystem();
    public DataFolder Data => new(_folder?.Combine("data") ?? "/data", Files);
    /// <summary>The store's clock: a FakeTimeProvider for tests about what happens after a while.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public async Task<ItemStore> OpenAsync()
    {
        var store = new ItemStore(Data, Files, Time, new BrokerSettings(), NullLogger<ItemStore>.Instance);
        await store.OpenAsync();
        return store;
    }

    /// <summary>Puts an item straight into the store, as an upload would after its checks.</summary>
    public async Task<Item> AddAsync(ItemStore store, byte[]? content = null, string fileName = "clip.mp4", string clientId = "local")
    {
        content ??= Guid.NewGuid().ToByteArray();
        var staging = Files.Path.Combine(Data.Incoming, "post-" + Guid.NewGuid().ToString("N"));
        Files.Directory.CreateDirectory(staging);
        await Files.File.WriteAllBytesAsync(Files.Path.Combine(staging, ItemFiles.Input), content);
        var (item, created) = await store.CreateAsync(staging, ItemDrafts.Draft(content, fileName, clientId: clientId));
        if (!created) Files.Directory.Delete(staging, recursive: true);
        return item;
    }

    public string[] FilesIn(string folder) =>
        Files.Directory.EnumerateFileSystemEntries(folder).Select(Files.Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose() => _folder?.Dispose();
}
