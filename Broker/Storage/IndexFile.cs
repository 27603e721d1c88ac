using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>Everything index.json holds at one moment.</summary>
/// <param name="TakenAt">Wall-clock time of the snapshot; folders changed after it are read again at start.</param>
public sealed record IndexSnapshot(long Version, DateTimeOffset TakenAt, IReadOnlyList<Item> Items);

/// <summary>index.json as it is read back: the seed's layout, one map item_id -> item per state.</summary>
public sealed class IndexDocument
{
    public long Version { get; set; }
    public DateTimeOffset SnapshotTakenAt { get; set; }
    public Dictionary<Guid, Item> ToDo { get; set; } = [];
    public Dictionary<Guid, Item> InProgress { get; set; } = [];
    public Dictionary<Guid, Item> FinishedSuccessful { get; set; } = [];
    public Dictionary<Guid, Item> FinishedWithErrors { get; set; } = [];

    public IEnumerable<(ItemStatus Status, Item Item)> Entries() =>
        ToDo.Values.Select(item => (ItemStatus.ToDo, item))
            .Concat(InProgress.Values.Select(item => (ItemStatus.InProgress, item)))
            .Concat(FinishedSuccessful.Values.Select(item => (ItemStatus.FinishedSuccessful, item)))
            .Concat(FinishedWithErrors.Values.Select(item => (ItemStatus.FinishedWithErrors, item)));
}

/// <summary>Reads and atomically writes index.json. Written by streaming, so memory does not double with the index.</summary>
public static class IndexFile
{
    public static async Task WriteAsync(string path, IndexSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var byStatus = snapshot.Items.ToLookup(item => item.Status);
        await AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            await using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartObject();
            writer.WriteNumber("version", snapshot.Version);
            writer.WriteString("snapshot_taken_at", snapshot.TakenAt);
            foreach (var status in ItemStatuses.All)
            {
                writer.WritePropertyName(status.WireName());
                writer.WriteStartObject();
                foreach (var item in byStatus[status])
                {
                    writer.WritePropertyName(item.ItemId.ToString("D"));
                    JsonSerializer.Serialize(writer, item, WireJsonContext.Default.Item);
                    if (writer.BytesPending > 1 << 16) await writer.FlushAsync(ct);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            await writer.FlushAsync(ct);
        }, cancellationToken);
    }

    /// <returns>The index, or null when there is none yet.</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a readable index.</exception>
    public static async Task<IndexDocument?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) return null;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            return await JsonSerializer.DeserializeAsync(stream, StorageJsonContext.Default.IndexDocument, cancellationToken)
                ?? throw new InvalidDataException("index.json holds null");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"index.json is not a readable index: {error.Message}", error);
        }
    }
}
