using MediaBroker.Broker.Storage;
using MediaBroker.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaBroker.Broker.Tests.Storage;

/// <summary>A store over a real temp folder that can be closed and opened again, as a restart would.</summary>
public sealed class StoreHarness : IDisposable
{
    public TempFolder Folder { get; } = new("store");
    public DataFolder Data => new(Folder.Combine("data"));

    public Task<ItemStore> OpenAsync() => ItemStore.OpenAsync(Data, TimeProvider.System, NullLogger.Instance);

    public string[] FilesIn(string folder) =>
        Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public void Dispose() => Folder.Dispose();
}
