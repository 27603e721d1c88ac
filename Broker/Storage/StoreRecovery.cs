using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
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
/// <remarks>
/// Fast at 100,000 items: an item whose folder has not changed since the last index snapshot is taken from the index
/// as it is; only folders modified after the snapshot (their item.json or a temporary file was written since) are
/// read. Every change of an item rewrites its item.json inside its folder, which updates the folder's time.
/// </remarks>
/// <param name="previousRunStoppedCleanly">
/// The last broker stopped after writing its final index.json (see <see cref="RunMarker"/>): the index is trusted and
/// folder times are not even looked at. Otherwise every folder's time is compared with the last snapshot's.
/// </param>
public sealed class StoreRecovery(DataFolder data, IFileSystem files, ILogger logger, bool previousRunStoppedCleanly = false)
{
    // Folder times can lag a change by the file system's timestamp granularity; read a little more than needed.
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(2);

    public RecoveredItems Recover()
    {
        data.EnsureCreated();
        RemoveLeftoverFiles(data.Root);
        RemoveLeftoverFiles(data.Incoming);
        EmptyTrash();

        // Listing 100,000 folders and parsing the index are independent: do both at once.
        var withTimes = !previousRunStoppedCleanly;
        var listing = Task.Run(() => ItemStatuses.All.Select(status => ListStateFolder(status, withTimes)).ToArray());
        var index = ReadIndex();
        var folders = listing.GetAwaiter().GetResult();

        var indexed = index?.Entries().ToDictionary(entry => entry.Item.ItemId) ?? [];
        // After a clean stop the index is the truth; otherwise only folders untouched since its snapshot are.
        var changedAfter = index is null ? DateTime.MinValue
            : previousRunStoppedCleanly ? DateTime.MaxValue
            : (index.SnapshotTakenAt - ClockSlack).UtcDateTime;
        var found = new Dictionary<Guid, Item>(indexed.Count);
        long changes = 0;

        foreach (var (status, entries) in ItemStatuses.All.Zip(folders))
        {
            foreach (var entry in entries)
            {
                var item = RecoverItem(entry, status, indexed, changedAfter, found);
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

    /// <summary>One entry of a state folder: its name, the item id it names (if any), whether it is a folder, when it last changed.</summary>
    private readonly record struct FolderEntry(string Name, Guid? ItemId, bool IsFolder, DateTime WrittenAt);

    private FolderEntry[] ListStateFolder(ItemStatus status, bool withTimes) =>
        files.DirectoryInfo.New(data.StateFolder(status)).EnumerateFileSystemInfos().Select(entry =>
        {
            var isFolder = entry is IDirectoryInfo;
            return new FolderEntry(
                entry.Name,
                Guid.TryParseExact(entry.Name, "D", out var id) ? id : null,
                isFolder,
                // The stat behind a folder's time is the costly part of a listing; only paid when it is needed.
                withTimes && isFolder ? entry.LastWriteTimeUtc : DateTime.MinValue);
        }).ToArray();

    private Item? RecoverItem(FolderEntry entry, ItemStatus status, Dictionary<Guid, (ItemStatus Status, Item Item)> indexed,
        DateTime changedAfter, Dictionary<Guid, Item> found)
    {
        var path = files.Path.Combine(data.StateFolder(status), entry.Name);
        if (!entry.IsFolder || entry.ItemId is not { } itemId)
        {
            KeepAside(path, $"'{entry.Name}' in {status.WireName()} is not an item folder");
            return null;
        }
        if (found.ContainsKey(itemId))
        {
            KeepAside(path, $"item {itemId} is in two state folders; the copy in {status.WireName()} is kept aside");
            return null;
        }

        if (entry.WrittenAt < changedAfter && status != ItemStatus.InProgress
            && indexed.TryGetValue(itemId, out var known) && known.Status == status)
            return known.Item;

        RemoveLeftoverFiles(path);
        var recorded = ReadMetadata(path, itemId);
        return recorded is null ? null : Settle(recorded, status, path);
    }

    /// <summary>
    /// Brings an item's folder and its item.json into one state. item.json is written before the folder moves, so a
    /// state it records that the folder has not reached is a move a stop interrupted: it is completed. A running
    /// conversion (or a claim) starts again from to_do; a finish recorded without its whole output is converted again.
    /// </summary>
    private Item Settle(Item recorded, ItemStatus folderStatus, string folder)
    {
        var target = recorded.Status switch
        {
            ItemStatus.InProgress => ItemStatus.ToDo,
            ItemStatus.FinishedSuccessful when NeedsOutputCheck(recorded, folderStatus) && !OutputIsWhole(recorded, folder) => ItemStatus.ToDo,
            var state => state,
        };
        // An output in any other state's folder is from a conversion that never got on record.
        if (target != ItemStatus.FinishedSuccessful) RemoveStrayOutputs(folder);
        if (target == recorded.Status && target == folderStatus) return recorded;

        var settled = recorded with
        {
            Status = target, Version = recorded.Version + 1, UpdatedAt = DateTimeOffset.UtcNow,
            Progress = null, Fps = null, Speed = null, EtaSeconds = null,
            Output = target == ItemStatus.FinishedSuccessful ? recorded.Output : null,
        };
        files.WriteJsonAtomicallyAsync(files.Path.Combine(folder, ItemFiles.Metadata), settled, WireJsonContext.Default.Item).GetAwaiter().GetResult();
        if (target != folderStatus) files.Directory.Move(folder, data.ItemFolder(settled));
        if (recorded.Status == ItemStatus.InProgress || folderStatus == ItemStatus.InProgress && target == ItemStatus.ToDo)
            logger.LogInformation("Item {ItemId} was being converted when the broker stopped; it is back in to_do", recorded.ItemId);
        else if (recorded.Status == ItemStatus.FinishedSuccessful && target == ItemStatus.ToDo)
            logger.LogWarning("Item {ItemId} is on record as converted, but its output is missing or not whole; it is converted again", recorded.ItemId);
        else
            logger.LogInformation("Item {ItemId}: a move from {From} to {To} was interrupted; it is completed ({Settled})",
                recorded.ItemId, folderStatus.WireName(), recorded.Status.WireName(), target.WireName());
        return settled;
    }

    // In finished_successful with its output on record, the output is trusted as it is: checking it would read every
    // output at every start after a crash. It is checked where a finish was interrupted, or recorded without output.
    private static bool NeedsOutputCheck(Item recorded, ItemStatus folderStatus) =>
        folderStatus != ItemStatus.FinishedSuccessful || recorded.Output is null;

    private bool OutputIsWhole(Item recorded, string folder)
    {
        if (recorded.Output is not { } output) return false;
        var path = files.Path.Combine(folder, ItemFiles.Output(files.Path.GetExtension(output.FileName).TrimStart('.')));
        return files.File.Exists(path) && files.FileInfo.New(path).Length == output.FileSize
            && Sha512Hex.OfFileAsync(files, path).GetAwaiter().GetResult() == output.Sha512Checksum;
    }

    private void RemoveStrayOutputs(string folder)
    {
        foreach (var file in files.Directory.EnumerateFiles(folder).Where(file => ItemFiles.IsOutput(files.Path.GetFileName(file))))
        {
            files.File.Delete(file);
            logger.LogInformation("Removed {File}: an output that never got on record", file);
        }
    }

    private Item? ReadMetadata(string folder, Guid itemId)
    {
        var path = files.Path.Combine(folder, ItemFiles.Metadata);
        try
        {
            var item = JsonSerializer.Deserialize(files.File.ReadAllBytes(path), WireJsonContext.Default.Item);
            if (item?.ItemId == itemId) return item;
            KeepAside(folder, $"{path} names another item");
        }
        catch (Exception error) when (error is IOException or JsonException or UnauthorizedAccessException)
        {
            KeepAside(folder, $"{path} cannot be read ({error.Message})");
        }
        return null;
    }

    private IndexDocument? ReadIndex()
    {
        try
        {
            return IndexFile.Read(files, data.IndexFile);
        }
        catch (InvalidDataException error)
        {
            KeepAside(data.IndexFile, $"{error.Message}; it is rebuilt from the item folders");
            return null;
        }
    }

    private void RemoveLeftoverFiles(string folder)
    {
        foreach (var file in files.Directory.EnumerateFiles(folder).Where(file => ItemFiles.IsLeftover(files.Path.GetFileName(file))))
        {
            files.File.Delete(file);
            logger.LogInformation("Removed half-written {File}", file);
        }
    }

    private void EmptyTrash()
    {
        foreach (var folder in files.Directory.EnumerateDirectories(data.Trash))
            files.Directory.Delete(folder, recursive: true);
    }

    private void KeepAside(string path, string reason)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var name = files.Path.GetFileName(path);
        var target = files.Path.Combine(data.LostAndFound, $"{stamp}-{name}");
        for (var attempt = 1; files.File.Exists(target) || files.Directory.Exists(target); attempt++)
            target = files.Path.Combine(data.LostAndFound, $"{stamp}-{attempt}-{name}");
        if (files.Directory.Exists(path)) files.Directory.Move(path, target);
        else files.File.Move(path, target);
        logger.LogError("Recovery: {Reason}. Moved to {Target} for a person to look at", reason, target);
    }
}
