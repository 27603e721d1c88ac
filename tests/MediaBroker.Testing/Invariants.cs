using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Xunit;

namespace MediaBroker.Testing;

/// <summary>Content handed to a broker and acknowledged: it must never be lost, never be there twice.</summary>
public sealed record Accepted(string Sha512, string ConversionType);

/// <summary>
/// What must hold after any crash and restart, checked the same way everywhere (crash points, the kill -9 campaign):
/// on a broker's data folder once it has stopped cleanly, and on a client's folders.
/// </summary>
public static class Invariants
{
    /// <param name="deleted">Content whose item was deleted on request: gone, and only that.</param>
    /// <param name="allFinished">Every item must have finished (the scenario waited for it).</param>
    public static void BrokerHolds(DataFolder data, IReadOnlyCollection<Accepted> accepted, IReadOnlyCollection<Accepted>? deleted = null,
        bool allFinished = true)
    {
        var problems = new List<string>();
        var items = new Dictionary<Guid, Item>();
        foreach (var status in ItemStatuses.All)
        {
            foreach (var folder in Directory.EnumerateDirectories(data.StateFolder(status)))
            {
                if (!Guid.TryParse(Path.GetFileName(folder), out var id)) continue; // OnlyKnownFiles below names it
                var item = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(folder, ItemFiles.Metadata)), WireJsonContext.Default.Item)!;
                if (!items.TryAdd(id, item)) problems.Add($"item {id} is in two state folders");
                if (item.Status != status) problems.Add($"item {id}: its folder is in {status.WireName()}, its item.json says {item.Status.WireName()}");
                if (item.FilesRemovedAt is not null)
                {
                    // Its files were removed to free the disk (keep_finished_hours, keep_failed_days): only the record may be left.
                    if (Directory.EnumerateFiles(folder).Any(file => Path.GetFileName(file) != ItemFiles.Metadata))
                        problems.Add($"item {id}: its record says its files were removed, but some are still there");
                }
                else if (item.Status == ItemStatus.FinishedSuccessful) CheckOutput(folder, item, problems);
                else if (!File.Exists(Path.Combine(folder, ItemFiles.Input)) || Sha512Hex.Of(File.ReadAllBytes(Path.Combine(folder, ItemFiles.Input))) != item.Sha512Checksum)
                    problems.Add($"item {id} ({item.Status.WireName()}): its input is missing or not what was handed over");
                if (allFinished && item.Status != ItemStatus.FinishedSuccessful) problems.Add($"item {id} never finished: {item.Status.WireName()} {string.Join(" / ", item.Errors)}");
            }
        }

        // The index as the next start reads it: index.json and the journal's lines after it.
        var index = IndexFile.ReadWithJournal(Disk.Real, data);
        var indexed = index?.Entries().ToDictionary(entry => entry.Item.ItemId, entry => entry.Status) ?? [];
        foreach (var (id, item) in items)
            if (!indexed.TryGetValue(id, out var state) || state != item.Status) problems.Add($"the index disagrees with the folders about item {id}");
        foreach (var id in indexed.Keys.Where(id => !items.ContainsKey(id))) problems.Add($"the index lists item {id}, which has no folder");

        foreach (var content in accepted)
        {
            var holders = items.Values.Count(item => item.Sha512Checksum == content.Sha512 && item.ConversionType == content.ConversionType);
            if (holders == 0) problems.Add($"accepted content {content.Sha512[..12]}… ({content.ConversionType}) was lost");
            if (holders > 1) problems.Add($"accepted content {content.Sha512[..12]}… ({content.ConversionType}) is there {holders} times");
        }
        foreach (var content in deleted ?? [])
            if (items.Values.Any(item => item.Sha512Checksum == content.Sha512 && item.ConversionType == content.ConversionType))
                problems.Add($"deleted content {content.Sha512[..12]}… ({content.ConversionType}) came back");
        var known = accepted.Concat(deleted ?? []).ToHashSet();
        foreach (var item in items.Values.Where(item => !known.Contains(new Accepted(item.Sha512Checksum, item.ConversionType))))
            problems.Add($"item {item.ItemId} holds content nobody handed over");

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        DataFolderAssert.NoPartialFiles(data);
        // A resumable upload a crash cut off before its client learnt where it was stays resumable, and expires.
        DataFolderAssert.OnlyKnownFiles(data, allowResumableUploads: true);
    }

    private static void CheckOutput(string folder, Item item, List<string> problems)
    {
        if (item.Output is not { } output)
        {
            problems.Add($"item {item.ItemId} is finished but names no output");
            return;
        }
        var path = Path.Combine(folder, ItemFiles.Output(Path.GetExtension(output.FileName).TrimStart('.')));
        if (!File.Exists(path) || Sha512Hex.Of(File.ReadAllBytes(path)) != output.Sha512Checksum)
            problems.Add($"item {item.ItemId}: its output is missing or not what its record says");
    }
}
