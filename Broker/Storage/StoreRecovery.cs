using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Microsoft.Extensions.Logging;

namespace MediaBroker.Broker.Storage;

/// <summary>What recovery hands to the store.</summary>
/// <param name="Items">Every item, as memory keeps it.</param>
/// <param name="Version">The version index.json and its journal reached, before the changes recovery found.</param>
/// <param name="JournalLength">The journal's whole lines, in bytes: a torn last line after it is cut off at the next write.</param>
/// <param name="Changed">
/// Records that differ from the index (settled, or changed after its last line), each with the versions it moved on
/// by: to be journaled, the index version stepping as far, so that it never goes back across a crash.
/// </param>
/// <param name="Dropped">Items of the index whose folder is gone: to be journaled as deleted.</param>
/// <param name="Everything">Every full record, when there was no index to trust: a new index.json is written from them.</param>
public sealed record RecoveredItems(Dictionary<Guid, ItemSummary> Items, NameTable Names, long Version, long JournalLength,
    IReadOnlyList<(Item Record, long Steps)> Changed, IReadOnlyList<ItemSummary> Dropped, IReadOnlyList<Item>? Everything);

/// <summary>
/// Start-up reconciliation of the index (index.json plus index.journal) with the folders. The folders win: an item is
/// in the state whose folder holds it. Items of an interrupted run (in_progress) go back to to_do; half-written files
/// are removed; whatever cannot be explained is moved to lost_and_found and reported, never deleted.
/// </summary>
/// <remarks>
/// Fast at a million items: after a clean stop the index is exact and only in_progress is looked at. After a crash
/// the state folders are listed by name only (a folder in another state than the index says, or unknown to it, is
/// read), and of the others only the items with an intent in the journal and no change after it: a change is
/// announced in the journal before the item's folder is touched and journaled once it is done, so these are the only
/// ones a crash can have left different from the index. Without an index to trust (none, unreadable, laid out by
/// hand, a journal damaged in the middle, or a crash with no journal yet) every folder is read and a new index.json written.
/// </remarks>
/// <param name="previousRunStoppedCleanly">The last broker stopped after writing its final journal line (see <see cref="RunMarker"/>).</param>
public sealed class StoreRecovery(DataFolder data, IFileSystem files, ILogger logger, bool previousRunStoppedCleanly = false)
{
    private readonly NameTable _names = new();

    public RecoveredItems Recover()
    {
        data.EnsureCreated();
        RemoveLeftoverFiles(data.Root);
        RemoveLeftoverFiles(data.Incoming);
        EmptyTrash();

        var names = _names;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Listing a million folders and parsing the index are independent: do both at once.
        var listed = previousRunStoppedCleanly ? [ItemStatus.InProgress] : ItemStatuses.All.ToArray();
        var listing = Task.Run(() => listed.Select(status => StateFolderListing.List(files, data.StateFolder(status))).ToArray());
        var index = ReadIndex(names);
        var indexRead = clock.Elapsed;
        var journal = index is null ? null : ReadJournal(index.Version, names);
        var journalRead = clock.Elapsed - indexRead;
        // After a crash, a journal is needed to know which items were being changed.
        var trusted = index is { Untrusted: false } && journal is not null && (previousRunStoppedCleanly || journal.Exists);
        if (!trusted && previousRunStoppedCleanly)
        {
            listed = ItemStatuses.All.ToArray();
            listing = Task.Run(() => listed.Select(status => StateFolderListing.List(files, data.StateFolder(status))).ToArray());
        }

        var indexed = new Dictionary<Guid, ItemSummary>(trusted ? index!.Items.Count : 0);
        // Without an index to trust, every folder is read.
        if (trusted)
        {
            foreach (var item in index!.Items) indexed[item.ItemId] = item;
            foreach (var (id, summary) in journal!.Changes)
                if (summary is { } latest) indexed[id] = latest;
                else indexed.Remove(id);
        }
        // Without an index to trust, every folder is read: as if every item had a change under way.
        var underWay = trusted ? journal!.UnderWay : null;
        var folders = listing.GetAwaiter().GetResult();
        var listedBy = clock.Elapsed;

        // Folders the index already describes, with no change under way, are only counted; the others are read.
        // Then the index is brought in line with them in place: at a million items, a copy would cost seconds.
        var matched = new int[ItemStatuses.All.Count];
        var seen = new Dictionary<Guid, ItemSummary>();
        var changed = new List<(Item, long)>();
        var everything = trusted ? null : new List<Item>();
        foreach (var (status, entries) in listed.Zip(folders))
        {
            foreach (var entry in entries)
            {
                if (entry.IsFolder && entry.ItemId is { } id && underWay?.Contains(id) == false && status != ItemStatus.InProgress
                    && indexed.TryGetValue(id, out var indexedAs) && indexedAs.Status == status)
                {
                    matched[(int)status]++;
                    continue;
                }
                var recovered = RecoverItem(entry, status, indexed, underWay, seen);
                if (recovered is null) continue;
                var (summary, record) = recovered.Value;
                seen[summary.ItemId] = summary;
                everything?.Add(record!);
                var isKnown = indexed.TryGetValue(summary.ItemId, out var known);
                if (trusted && record is not null && (!isKnown || known.Version != summary.Version || known.Status != summary.Status))
                    changed.Add((record, Math.Max(1, record.Version - (isKnown ? known.Version : 0))));
            }
        }
        var dropped = Vanished(indexed, listed, matched, seen, underWay);
        foreach (var summary in dropped)
        {
            indexed.Remove(summary.ItemId);
            logger.LogWarning("Item {ItemId} is in index.json but its folder is gone; it is dropped from the index", summary.ItemId);
        }
        foreach (var (id, summary) in seen) indexed[id] = summary;
        var found = indexed;

        var version = journal?.Version ?? index?.Version ?? 0;
        // Where a start's time goes, for whoever wonders why one was slow.
        logger.LogInformation("Recovery: index.json read in {Index:0} ms ({Count} items), index.journal in {Journal:0} ms ({Lines} changes), "
            + "{States} state folders listed by {Listed:0} ms, {Read} item folders read, done in {Total:0} ms",
            indexRead.TotalMilliseconds, index?.Items.Count ?? 0, journalRead.TotalMilliseconds, journal?.Changes.Count ?? 0,
            listed.Length, listedBy.TotalMilliseconds, everything?.Count ?? changed.Count, clock.Elapsed.TotalMilliseconds);
        if (changed.Count > 0 || dropped.Count > 0 || !trusted)
            logger.LogInformation("Recovery: {Count} items, {Changes} changes since the index's last line{Rebuilt}", found.Count,
                changed.Count + dropped.Count, trusted ? "" : "; the index is written anew from the item folders");
        return new RecoveredItems(found, names, version, journal?.Length ?? 0, changed, dropped, everything);
    }

    private JournalChanges? ReadJournal(long snapshotVersion, NameTable names)
    {
        var (changes, damage) = JournalChanges.Read(files, data.JournalFile, snapshotVersion, names);
        if (damage is null) return changes;
        KeepAside(data.JournalFile, $"index.journal is damaged ({damage})");
        return null;
    }
    /// <summary>
    /// Items of the index in a listed state that no listed folder holds. Counted first (a million folders found
    /// where the index says are not remembered one by one); only a count that falls short is looked into: items a
    /// change was under way for (a delete cut short), then, if some are still missing, every item of that state.
    /// </summary>
    private List<ItemSummary> Vanished(Dictionary<Guid, ItemSummary> indexed, ItemStatus[] listed, int[] matched,
        Dictionary<Guid, ItemSummary> seen, HashSet<Guid>? underWay)
    {
        var missing = new int[ItemStatuses.All.Count];
        foreach (var summary in indexed.Values)
            if (listed.Contains(summary.Status) && !seen.ContainsKey(summary.ItemId)) missing[(int)summary.Status]++;
        var vanished = new List<ItemSummary>();
        foreach (var status in listed)
        {
            var shortBy = missing[(int)status] - matched[(int)status];
            if (shortBy <= 0) continue;
            var candidates = indexed.Values.Where(summary => summary.Status == status && !seen.ContainsKey(summary.ItemId));
            var cutShort = candidates.Where(summary => underWay?.Contains(summary.ItemId) != false).ToList();
            vanished.AddRange(cutShort);
            if (cutShort.Count < shortBy)
                vanished.AddRange(candidates.Where(summary => underWay?.Contains(summary.ItemId) == false
                    && !files.Directory.Exists(data.ItemFolder(summary.Status, summary.ItemId))));
        }
        return vanished;
    }

    /// <returns>The item's summary, and its full record when it was read from its folder.</returns>
    private (ItemSummary Summary, Item? Record)? RecoverItem(StateFolderListing.Entry entry, ItemStatus status, Dictionary<Guid, ItemSummary> indexed,
        HashSet<Guid>? underWay, Dictionary<Guid, ItemSummary> found)
    {
        var path = files.Path.Combine(data.StateFolder(status), entry.Name);
        if (!entry.IsFolder || entry.ItemId is not { } itemId)
        {
            KeepAside(path, $"'{entry.Name}' in {status.WireName()} is not an item folder");
            return null;
        }
        // A move is one rename: an item in two folders is damage, and the copy the index does not name is kept aside.
        if (found.ContainsKey(itemId) || indexed.TryGetValue(itemId, out var elsewhere) && elsewhere.Status != status
            && files.Directory.Exists(data.ItemFolder(elsewhere.Status, itemId)))
        {
            KeepAside(path, $"item {itemId} is in two state folders; the copy in {status.WireName()} is kept aside");
            return null;
        }

        RemoveLeftoverFiles(path);
        var recorded = ReadMetadata(path, itemId);
        if (recorded is null) return null;
        if (recorded.FilesRemovedAt is not null) RemoveFilesOnRecordAsGone(recorded, path);
        var settled = Settle(recorded, status, path);
        return (ItemSummary.Of(settled, _names!), settled);
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
            StartedAt = target == ItemStatus.ToDo ? null : recorded.StartedAt,
            FinishedAt = target == ItemStatus.ToDo ? null : recorded.FinishedAt,
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
    // An item whose files were removed keeps its output on record with no file: there is nothing to check.
    private static bool NeedsOutputCheck(Item recorded, ItemStatus folderStatus) =>
        recorded.FilesRemovedAt is null && (folderStatus != ItemStatus.FinishedSuccessful || recorded.Output is null);

    /// <summary>A removal of the item's files that a stop cut short (its record written first, see ItemStore.RemoveFilesAsync): finished.</summary>
    private void RemoveFilesOnRecordAsGone(Item recorded, string folder)
    {
        if (!files.Directory.EnumerateFiles(folder).Any(file => files.Path.GetFileName(file) != ItemFiles.Metadata)) return;
        ItemFiles.RemoveAllButRecord(files, folder);
        logger.LogInformation("Item {ItemId}: the removal of its files was interrupted; it is completed", recorded.ItemId);
    }

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

    /// <returns>The snapshot's summaries, or null when there is none to trust (then every folder is read).</returns>
    private SnapshotSummaries? ReadIndex(NameTable names)
    {
        try
        {
            return SnapshotReader.Read(files, data.IndexFile, names);
        }
        catch (InvalidDataException) when (IsLaidOutByHand(out var version))
        {
            // Still valid JSON: kept where it is, and replaced by one in the broker's layout, with its version carried on.
            logger.LogInformation("index.json is not laid out one item a line (edited by hand?); it is written anew from the item folders");
            return new SnapshotSummaries(version, DateTimeOffset.MinValue, [], 0) { Untrusted = true };
        }
        catch (InvalidDataException error)
        {
            KeepAside(data.IndexFile, $"{error.Message}; it is rebuilt from the item folders");
            return null;
        }
    }

    private bool IsLaidOutByHand(out long version)
    {
        try
        {
            version = IndexFile.Read(files, data.IndexFile)?.Version ?? 0;
            return true;
        }
        catch (InvalidDataException)
        {
            version = 0;
            return false;
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
