using System.Diagnostics;
using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The broker's items: folders on disk are the truth, memory (<see cref="ItemCatalog"/>) the fast view of what
/// queries need, the index (<see cref="StoreIndex"/>: index.json and its journal) what a start reads instead of every
/// folder. Every persisted change follows the same order: write its item.json (atomic), rename the item's folder (the
/// state change, atomic), then record the new version in memory and append it to the journal. A full record is read
/// from its item.json when asked for; only running items, whose progress is never written, are kept whole in memory.
/// </summary>
public sealed class ItemStore(DataFolder data, IFileSystem files, TimeProvider time, BrokerSettings settings, ILogger<ItemStore> logger)
{
    private readonly StripedAsyncLock _itemLocks = new();
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private readonly ItemCatalog _catalog = new(settings.KeepInputs);
    private readonly StoreIndex _index = new(data, files, logger);
    // Versions are handed out and journaled in one step, so that the journal's lines are in version order.
    private readonly Lock _publishing = new();

    /// <summary>Raised after every change, persisted or not: (before, after); null before = created, null after = deleted.</summary>
    public event Action<Item?, Item?>? Changed;

    /// <summary>Raised after a persisted change was journaled: the index writer looks whether a new snapshot is due.</summary>
    public event Action? IndexDirty;

    public StoreIndex Index => _index;

    public DataFolder Data => data;

    public long Version => _catalog.Version;

    public long UsedBytes => _catalog.UsedBytes;

    /// <summary>Room the outputs of items not converted yet will take, each assumed as large as its input.</summary>
    public long PendingOutputBytes => _catalog.PendingOutputBytes;

    /// <summary>The bytes of <see cref="UsedBytes"/> by why they are kept, and the items down to their record.</summary>
    public KeptFiles Kept() => _catalog.Kept();

    /// <summary>Outputs being downloaded right now: their files are not removed under the download.</summary>
    public FilesInUse InUse { get; } = new();

    /// <summary>
    /// Reconciles index.json with the folders (see <see cref="StoreRecovery"/>) and loads the result; once, before
    /// anything else uses the store.
    /// </summary>
    /// <param name="previousRunStoppedCleanly">The last broker wrote its final index.json (see <see cref="RunMarker"/>).</param>
    public async Task OpenAsync(bool previousRunStoppedCleanly = false, CancellationToken cancellationToken = default)
    {
        var recovered = new StoreRecovery(data, files, logger, previousRunStoppedCleanly).Recover();
        var rebuilt = recovered.Everything is not null;
        _catalog.Load(recovered.Items, recovered.Names, recovered.Version + (rebuilt ? 1 : 0));
        await _index.OpenAsync(recovered, _catalog.Version, cancellationToken);
        // What recovery found beyond the index's last line goes into the journal, as any change would.
        lock (_publishing)
        {
            foreach (var (item, steps) in recovered.Changed) _index.Changed(_catalog.Apply(item.ItemId, item, persisted: true, steps), item);
            foreach (var summary in recovered.Dropped) _index.Deleted(_catalog.Apply(summary.ItemId, null, persisted: true), summary.ItemId);
        }
    }

    private static readonly TimeSpan MovedRecordLandsWithin = TimeSpan.FromSeconds(2);

    /// <summary>The item's full record, from its item.json (or from memory while it runs); null when there is no such item.</summary>
    public Item? Get(Guid itemId)
    {
        // A change under way may have written item.json before memory knows of it, or moved the folder since memory
        // was asked: a record is returned once it is the version memory holds, or the change is seen to stay. A record
        // not found at all is looked for longer, by time rather than tries: the move lands in microseconds, but a
        // loaded machine can keep the thread that publishes it waiting for far longer.
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            if (_catalog.Find(itemId) is not { } known) return null;
            var (summary, running) = known;
            if (running is not null) return running;
            var read = ItemRecords.Read(files, data, summary);
            if (read?.Version == summary.Version) return read;
            if (read is not null ? attempt >= 20 : Stopwatch.GetElapsedTime(started) > MovedRecordLandsWithin || data.MissingFolder() is not null)
                return read;
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// This client's item of this content and conversion type. An item whose files were removed after its client
    /// fetched the output still counts (the content is not converted again: the client has it); one removed unfetched
    /// or failed does not, so that sending the content again converts it anew.
    /// </summary>
    public Item? FindByContent(string sha512, string conversionType, string clientId) =>
        _catalog.FindByContent(sha512, conversionType, clientId) is { } summary && Get(summary.ItemId) is { } item
        && item.Sha512Checksum == sha512 && item.ConversionType == conversionType && item.ClientId == clientId
        && item.FilesRemovedBecause is null or FilesRemovalReason.Fetched ? item : null;

    /// <summary>This client's item made from this link for this conversion type.</summary>
    public Item? FindBySource(string url, string conversionType, string clientId) =>
        _catalog.FindBySource(url, conversionType, clientId) is { } summary && Get(summary.ItemId) is { } item
        && item.Source?.Url == url && item.ConversionType == conversionType && item.ClientId == clientId ? item : null;

    /// <summary>The items that wait for the broker to fetch their input, in the order they were queued.</summary>
    public IReadOnlyList<Guid> AwaitingInput() =>
        [.. _catalog.WithoutContent(ItemStatus.ToDo).Where(itemId => Get(itemId)?.IsAwaitingInput() == true)];

    public string FolderOf(Item item) => data.ItemFolder(item);

    /// <summary>Items in creation order, filtered and paged.</summary>
    public ItemPage List(ItemQuery query) => ItemRecords.List(_catalog, query, Get);

    public QueueDepth Depth() => _catalog.Depth();

    /// <summary>Finished items per conversion type, and items per client, by their names.</summary>
    public (Dictionary<string, ConversionTotals> ByType, Dictionary<string, int> ItemsByClient) Totals()
    {
        var (byType, byClient) = _catalog.Totals();
        return (byType.ToDictionary(entry => _catalog.Names.Name(entry.Key), entry => entry.Value),
            byClient.ToDictionary(entry => _catalog.Names.Name(entry.Key), entry => entry.Value));
    }

    /// <summary>The running items, with their progress.</summary>
    public IReadOnlyList<Item> Running() => _catalog.Running();

    /// <summary>Items in one state, in the order they were queued (FIFO for workers).</summary>
    public IReadOnlyList<Guid> InState(ItemStatus status) => _catalog.InState(status);

    /// <summary>
    /// Turns a fully received, verified upload into an item, unless the same client has an item with the same content
    /// and conversion type: then that one is returned and nothing is created (the caller removes its staged folder).
    /// A draft whose input is still to be fetched (see <see cref="ItemPhases.InputNeverFetched"/>) has no content yet:
    /// it is the same when the client has an item from the same link and conversion type.
    /// </summary>
    /// <param name="stagedFolder">A folder outside the state folders holding <see cref="ItemFiles.Input"/>; it becomes the item's folder.</param>
    public async Task<(Item Item, bool Created)> CreateAsync(string stagedFolder, Item draft, CancellationToken cancellationToken = default)
    {
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            var existing = draft.InputNeverFetched()
                ? FindBySource(draft.Source!.Url, draft.ConversionType, draft.ClientId)
                : FindByContent(draft.Sha512Checksum, draft.ConversionType, draft.ClientId);
            if (existing is not null) return (existing, false);

            var now = time.GetUtcNow();
            var item = draft with { Status = ItemStatus.ToDo, Version = 1, CreatedAt = now, UpdatedAt = now, QueuedAt = now };
            await Announced(item.ItemId, async () =>
            {
                await WriteMetadataAsync(stagedFolder, item, cancellationToken);
                files.Directory.Move(stagedFolder, data.ItemFolder(item));
                files.FlushFolder(data.StateFolder(item.Status));
            });
            Publish(null, item, persisted: true);
            return (item, true);
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <summary>
    /// Applies a change to one item; <paramref name="change"/> returns null to decline (for example, not in the expected state).
    /// A new status moves the item's folder. Returns the stored record, or null when the item is gone or the change was declined.
    /// </summary>
    /// <remarks>
    /// item.json is written before the folder moves, so that a stop between the two leaves the new state on record
    /// and recovery completes the move (see <see cref="StoreRecovery"/>). A write that fails (a full disk) changes
    /// nothing at all: the folder, its item.json and memory keep the old version.
    /// </remarks>
    public async Task<Item?> UpdateAsync(Guid itemId, Func<Item, Item?> change, CancellationToken cancellationToken = default)
    {
        using var _ = await _itemLocks.AcquireAsync(itemId, cancellationToken);
        if (Get(itemId) is not { } current) return null;
        if (change(current) is not { } changed) return null;

        var next = changed with { ItemId = current.ItemId, Version = current.Version + 1, UpdatedAt = time.GetUtcNow() };
        if (next.Status != current.Status) next = Timed(next);
        var folder = data.ItemFolder(current);
        await Announced(itemId, async () =>
        {
            await WriteMetadataAsync(folder, next, cancellationToken);
            if (next.Status == current.Status) return;
            try
            {
                files.Directory.Move(folder, data.ItemFolder(next));
            }
            catch
            {
                await WriteMetadataAsync(folder, current, CancellationToken.None); // best effort: the record matches the folder again
                throw;
            }
            files.FlushFolder(data.StateFolder(next.Status));
        });
        Publish(current, next, persisted: true);
        return next;
    }

    /// <summary>The times of a state change: queued for to_do, started for in_progress, finished for the two finished states.</summary>
    private static Item Timed(Item item) => item.Status switch
    {
        ItemStatus.ToDo => item with { QueuedAt = item.UpdatedAt, StartedAt = null, FinishedAt = null },
        ItemStatus.InProgress => item with
        {
            StartedAt = item.UpdatedAt, FinishedAt = null,
            // A new conversion: the phases of the last one go, the upload's stay.
            Timings = (item.Timings ?? new ItemTimings()) with
            {
                WaitingSeconds = Math.Max(0, (item.UpdatedAt - item.QueuedAt).TotalSeconds),
                ConvertingSeconds = null, VerifyingSeconds = null, WaitingToBeFetchedSeconds = null,
            },
        },
        _ => item with { FinishedAt = item.UpdatedAt },
    };

    /// <summary>Progress of a running conversion: memory only, several times a second, never written to disk.</summary>
    public void ReportProgress(Guid itemId, double progress, double? fps, double? speed, double? etaSeconds)
    {
        if (_catalog.UpdateRunning(itemId, current => current with { Progress = progress, Fps = fps, Speed = speed, EtaSeconds = etaSeconds })
            is var (before, after))
            Changed?.Invoke(before, after);
    }

    /// <summary>Progress of a running fetch: memory only, like <see cref="ReportProgress"/>.</summary>
    public void ReportDownload(Guid itemId, ItemDownload download)
    {
        if (_catalog.UpdateRunning(itemId, current => current.IsAwaitingInput() ? current with { Download = download } : current) is var (before, after))
            Changed?.Invoke(before, after);
    }

    /// <summary>Runs <paramref name="action"/> on the item's current folder while no state change can move it.</summary>
    public async Task<T?> WithItemFolderAsync<T>(Guid itemId, Func<Item, string, Task<T>> action, CancellationToken cancellationToken = default)
    {
        using var _ = await _itemLocks.AcquireAsync(itemId, cancellationToken);
        return Get(itemId) is { } item ? await action(item, data.ItemFolder(item)) : default;
    }

    /// <summary>Finished items whose files may go (see <see cref="ItemCatalog.FilesDue"/>).</summary>
    public IReadOnlyList<Guid> FilesDue(DateTimeOffset fetchedBy, DateTimeOffset finishedBy) => _catalog.FilesDue(fetchedBy.UtcTicks, finishedBy.UtcTicks);

    /// <summary>
    /// Frees the disk an item takes: its input, output and anything else but its record, which stays (with
    /// <see cref="Item.FilesRemovedAt"/>) so that the same content is still recognised. <paramref name="reasonFor"/>
    /// looks at the current record under the item's lock and returns null to leave it; an item whose output is being
    /// downloaded is left too. Returns the new record, or null when nothing was removed.
    /// </summary>
    /// <remarks>
    /// The record saying the files are gone is written before the first file goes, inside a change announced in the
    /// journal: a crash in between leaves the record and the intent, and recovery removes what is left (see
    /// <see cref="StoreRecovery"/>). A record never names files that are gone without saying so.
    /// </remarks>
    public async Task<Item?> RemoveFilesAsync(Guid itemId, Func<Item, FilesRemovalReason?> reasonFor, CancellationToken cancellationToken = default)
    {
        using var _ = await _itemLocks.AcquireAsync(itemId, cancellationToken);
        if (Get(itemId) is not { FilesRemovedAt: null } current || reasonFor(current) is not { } reason || InUse.IsInUse(itemId)) return null;

        var now = time.GetUtcNow();
        var next = current with { Version = current.Version + 1, UpdatedAt = now, FilesRemovedAt = now, FilesRemovedBecause = reason };
        var folder = data.ItemFolder(current);
        await Announced(itemId, async () =>
        {
            await WriteMetadataAsync(folder, next, cancellationToken);
            ItemFiles.RemoveAllButRecord(files, folder);
        });
        Publish(current, next, persisted: true);
        return next;
    }

    /// <summary>Removes an item and all its files. The folder is renamed into trash first, so a crash leaves no half item behind.</summary>
    public async Task<bool> DeleteAsync(Guid itemId, CancellationToken cancellationToken = default)
    {
        string trashed;
        using (await _itemLocks.AcquireAsync(itemId, cancellationToken))
        {
            if (Get(itemId) is not { } item) return false;
            trashed = files.Path.Combine(data.Trash, $"{itemId:D}-{Guid.NewGuid():N}");
            await Announced(itemId, () =>
            {
                files.Directory.Move(data.ItemFolder(item), trashed);
                return Task.CompletedTask;
            });
            Publish(item, null, persisted: true);
        }
        TryDeleteFolder(trashed);
        return true;
    }

    /// <summary>A new index.json now, rather than when the journal has grown enough (see <see cref="StoreIndex"/>).</summary>
    public Task WriteIndexAsync(CancellationToken cancellationToken = default) => _index.WriteSnapshotAsync(cancellationToken);

    /// <summary>
    /// Touches an item's folder only once the journal says a change of it is under way: after a crash, the items with
    /// such an intent and no change line are the only ones recovery has to read from their folders.
    /// </summary>
    private async Task Announced(Guid itemId, Func<Task> change)
    {
        _index.Intend(itemId);
        try
        {
            await change();
        }
        catch
        {
            _index.Abandon(itemId);
            throw;
        }
    }

    private Task WriteMetadataAsync(string folder, Item item, CancellationToken cancellationToken) =>
        files.WriteJsonAtomicallyAsync(files.Path.Combine(folder, ItemFiles.Metadata), item, WireJsonContext.Default.Item, cancellationToken);

    private void Publish(Item? before, Item? after, bool persisted)
    {
        lock (_publishing)
        {
            var version = _catalog.Apply(before?.ItemId, after, persisted);
            if (persisted && after is not null) _index.Changed(version, after);
            else if (persisted) _index.Deleted(version, before!.ItemId);
        }
        Changed?.Invoke(before, after);
        if (persisted) IndexDirty?.Invoke();
    }

    private void TryDeleteFolder(string folder)
    {
        try
        {
            files.Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left in trash; the next start empties it.
            logger.LogWarning("Could not remove {Folder} yet: {Reason}", folder, error.Message);
        }
    }
}
