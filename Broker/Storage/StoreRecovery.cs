using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Microsoft.Extensions.Logging;

namespace MediaBroker.Broker.Storage;

/// <summary>What recovery hands to the store.</summary>
/// <param name="IndexIsStale">index.json did not describe the folders and should be rewritten at once.</param>
public sealed record RecoveredItems(IReadOnlyList<Item> Items, long Version, bool IndexIsStale);

/// <summary>
/// Start-up reconciliation of index.json with the folders. The folders win: an item is in the state whose folder
/// holds it. Items of an interrupted run (in_progress) go back to to_do; half-written files are removed;
/// whatever cannot be explained is moved to lost_and_found and reported, never deleted.
/// </summary>
public sealed class StoreRecovery(DataFolder data, ILogger logger)
{
    // Folder times can lag a change by the file system's timestamp granularity; read a little more than needed.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(2);

    public async Task<RecoveredItems> RecoverAsync(CancellationToken cancellationToken = default)
    {
        data.EnsureCreated();
        RemoveLeftoverFiles(data.Root);
        EmptyTrash();

        var index = await ReadIndexAsync(cancellationToken);
        var indexed = index?.Entries().ToDictionary(entry => entry.Item.ItemId) ?? [];
        var changedAfter = index is null ? DateTimeOffset.MinValue : index.SnapshotTakenAt - ClockSlack;
        var found = new Dictionary<Guid, Item>(indexed.Count);
        long changes = 0;

        foreach (var status in ItemStatuses.All)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(data.StateFolder(status)))
            {
                var item = await RecoverEntryAsync(entry, status, indexed, changedAfter, found, cancellationToken);
                if (item is null) continue;
                if (!indexed.TryGetValue(item.ItemId, out var known) || known.Item.Version != item.Version || known.Status != status)
                    changes += Math.Max(1, item.Version - (known.Item?.Version ?? 0));
                found[item.ItemId] = item;
            }
        }

        var vanished = indexed.Keys.Where(id => !found.ContainsKey(id)).ToList();
        foreach (var id in vanished)
            logger.LogWarning("Item {ItemId} is in index.json but its folder is gone; it is dropped from the index", id);
        changes += vanished.Count;

        if (changes > 0 || index is null)
            logger.LogInformation("Recovery: {Count} items, {Changes} changes since the last index snapshot", found.Count, changes);
        return new RecoveredItems(found.Values.ToList(), (index?.Version ?? 0) + changes, IndexIsStale: changes > 0 || index is null);
    }

    private async Task<Item?> RecoverEntryAsync(string entry, ItemStatus status, Dictionary<Guid, (ItemStatus Status, Item Item)> indexed,
        DateTimeOffset changedAfter, Dictionary<Guid, Item> found, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(entry);
        if (!Directory.Exists(entry) || !Guid.TryParseExact(name, "D", out var itemId))
        {
            KeepAside(entry, $"'{name}' in {status.WireName()} is not an item folder");
            return null;
        }
        if (found.ContainsKey(itemId))
        {
            KeepAside(entry, $"item {itemId} is in two state folders; the copy in {status.WireName()} is kept aside");
            return null;
        }
        RemoveLeftoverFiles(entry);

        Item? item = null;
        if (indexed.TryGetValue(itemId, out var known) && known.Status == status
            && new DateTimeOffset(Directory.GetLastWriteTimeUtc(entry)) < changedAfter)
            item = known.Item;
        item ??= await ReadMetadataAsync(entry, itemId, cancellationToken);
        if (item is null) return null;
        item = item with { Status = status };

        if (status == ItemStatus.InProgress)
            item = await ReturnToQueueAsync(item, cancellationToken);
        return item;
    }

    /// <summary>A conversion that was running when the broker stopped starts again from the beginning.</summary>
    private async Task<Item> ReturnToQueueAsync(Item item, CancellationToken cancellationToken)
    {
        var requeued = item with
        {
            Status = ItemStatus.ToDo, Version = item.Version + 1, UpdatedAt = DateTimeOffset.UtcNow,
            Progress = null, Fps = null, Speed = null, EtaSeconds = null,
        };
        Directory.Move(data.ItemFolder(ItemStatus.InProgress, item.ItemId), data.ItemFolder(requeued));
        await AtomicFile.WriteJsonAsync(Path.Combine(data.ItemFolder(requeued), ItemFiles.Metadata), requeued, WireJsonContext.Default.Item, cancellationToken);
        logger.LogInformation("Item {ItemId} was being converted when the broker stopped; it is back in to_do", item.ItemId);
        return requeued;
    }

    private async Task<Item?> ReadMetadataAsync(string folder, Guid itemId, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, ItemFiles.Metadata);
        try
        {
            await using var stream = File.OpenRead(path);
            var item = await JsonSerializer.DeserializeAsync(stream, WireJsonContext.Default.Item, cancellationToken);
            if (item?.ItemId == itemId) return item;
            KeepAside(folder, $"{path} names another item");
        }
        catch (Exception error) when (error is IOException or JsonException or UnauthorizedAccessException)
        {
            KeepAside(folder, $"{path} cannot be read ({error.Message})");
        }
        return null;
    }

    private async Task<IndexDocument?> ReadIndexAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await IndexFile.ReadAsync(data.IndexFile, cancellationToken);
        }
        catch (InvalidDataException error)
        {
            KeepAside(data.IndexFile, $"{error.Message}; it is rebuilt from the item folders");
            return null;
        }
    }

    private void RemoveLeftoverFiles(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder).Where(file => ItemFiles.IsLeftover(Path.GetFileName(file))))
        {
            File.Delete(file);
            logger.LogInformation("Removed half-written {File}", file);
        }
    }

    private void EmptyTrash()
    {
        foreach (var folder in Directory.EnumerateDirectories(data.Trash))
            Directory.Delete(folder, recursive: true);
    }

    private void KeepAside(string path, string reason)
    {
        var target = Path.Combine(data.LostAndFound, $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Path.GetFileName(path)}");
        for (var attempt = 1; File.Exists(target) || Directory.Exists(target); attempt++)
            target = Path.Combine(data.LostAndFound, $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{attempt}-{Path.GetFileName(path)}");
        if (Directory.Exists(path)) Directory.Move(path, target);
        else File.Move(path, target);
        logger.LogError("Recovery: {Reason}. Moved to {Target} for a person to look at", reason, target);
    }
}
