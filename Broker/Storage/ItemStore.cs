using MediaBroker.Shared.Api;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Microsoft.Extensions.Logging;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The broker's items: folders on disk are the truth, memory is the fast view, index.json a snapshot of it.
/// Every persisted change follows the same order: rename the item's folder (the state change, atomic),
/// write its item.json (atomic), then publish the new record in memory and mark the index dirty.
/// </summary>
public sealed class ItemStore
{
    private readonly DataFolder _data;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _inputsKeptAfterSuccess;
    private readonly StripedAsyncLock _itemLocks = new();
    private readonly SemaphoreSlim _createLock = new(1, 1);

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Item> _items;
    private readonly Dictionary<(string Sha512, string ConversionType), Guid> _byContent;
    private readonly SortedSet<(DateTimeOffset CreatedAt, Guid Id)> _listingOrder;
    private readonly int[] _countByStatus = new int[ItemStatuses.All.Count];
    private long _usedBytes;
    private long _version;

    /// <summary>Raised after every change, persisted or not: (before, after); null before = created, null after = deleted.</summary>
    public event Action<Item?, Item?>? Changed;

    /// <summary>Raised when a persisted change makes index.json out of date.</summary>
    public event Action? IndexDirty;

    private ItemStore(DataFolder data, TimeProvider time, ILogger logger, bool inputsKeptAfterSuccess, RecoveredItems recovered)
    {
        _data = data;
        _time = time;
        _logger = logger;
        _inputsKeptAfterSuccess = inputsKeptAfterSuccess;
        _version = recovered.Version;
        _items = new Dictionary<Guid, Item>(recovered.Items.Count);
        _byContent = new Dictionary<(string, string), Guid>(recovered.Items.Count);
        foreach (var item in recovered.Items)
            AddToMemory(item, ordered: false);
        // One sort instead of 100,000 ordered inserts.
        _listingOrder = new SortedSet<(DateTimeOffset CreatedAt, Guid Id)>(recovered.Items.Select(item => (item.CreatedAt, item.ItemId)));
    }

    public DataFolder Data => _data;

    public long Version { get { lock (_gate) return _version; } }

    /// <summary>Reconciles index.json with the folders (see <see cref="StoreRecovery"/>), then opens the store.</summary>
    public static async Task<ItemStore> OpenAsync(DataFolder data, TimeProvider time, ILogger logger, bool inputsKeptAfterSuccess = false,
        bool previousRunStoppedCleanly = false, CancellationToken cancellationToken = default)
    {
        var recovered = new StoreRecovery(data, logger, previousRunStoppedCleanly).Recover();
        var store = new ItemStore(data, time, logger, inputsKeptAfterSuccess, recovered);
        if (recovered.IndexIsStale) await store.WriteIndexAsync(cancellationToken);
        return store;
    }

    public Item? Get(Guid itemId)
    {
        lock (_gate) return _items.GetValueOrDefault(itemId);
    }

    public Item? FindByContent(string sha512, string conversionType)
    {
        lock (_gate) return _byContent.TryGetValue((sha512, conversionType), out var id) ? _items[id] : null;
    }

    public string FolderOf(Item item) => _data.ItemFolder(item);

    /// <summary>Items in creation order, filtered and paged.</summary>
    public ItemPage List(ItemQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, ItemQuery.MaxLimit);
        var page = new List<Item>(Math.Min(limit, 64));
        lock (_gate)
        {
            if (query.Ids is { } ids)
                return PageOf(ids.Select(id => _items.GetValueOrDefault(id)).OfType<Item>().Where(query.Matches)
                    .OrderBy(item => item.CreatedAt).ThenBy(item => item.ItemId), query.After, limit);
            if (query.Sha512Checksum is { } sha && query.ConversionType is { } type)
                return PageOf(FindByContentUnlocked(sha, type) is { } found && query.Matches(found) ? [found] : [], query.After, limit);

            IEnumerable<(DateTimeOffset CreatedAt, Guid Id)> keys = _listingOrder;
            if (query.After is { } after && _items.TryGetValue(after, out var cursor))
                keys = _listingOrder.GetViewBetween((cursor.CreatedAt, cursor.ItemId), _listingOrder.Max).Skip(1);
            foreach (var key in keys)
            {
                var item = _items[key.Id];
                if (!query.Matches(item)) continue;
                if (page.Count == limit) return new ItemPage(page, page[^1].ItemId);
                page.Add(item);
            }
        }
        return new ItemPage(page, null);
    }

    public QueueDepth Depth()
    {
        lock (_gate)
            return new QueueDepth(_countByStatus[0], _countByStatus[1], _countByStatus[2], _countByStatus[3]);
    }

    public long UsedBytes { get { lock (_gate) return _usedBytes; } }

    /// <summary>Items in one state, in the order they were queued (FIFO for workers).</summary>
    public IReadOnlyList<Item> InState(ItemStatus status)
    {
        lock (_gate)
            return _items.Values.Where(item => item.Status == status).OrderBy(item => item.QueuedAt).ThenBy(item => item.CreatedAt).ToList();
    }

    /// <summary>
    /// Turns a fully received, verified upload into an item, unless an item with the same content and conversion
    /// type exists: then that one is returned and nothing is created (the caller removes its staged folder).
    /// </summary>
    /// <param name="stagedFolder">A folder outside the state folders holding <see cref="ItemFiles.Input"/>; it becomes the item's folder.</param>
    public async Task<(Item Item, bool Created)> CreateAsync(string stagedFolder, Item draft, CancellationToken cancellationToken = default)
    {
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (FindByContent(draft.Sha512Checksum, draft.ConversionType) is { } existing)
                return (existing, false);

            var now = _time.GetUtcNow();
            var item = draft with { Status = ItemStatus.ToDo, Version = 1, CreatedAt = now, UpdatedAt = now, QueuedAt = now };
            await WriteMetadataAsync(stagedFolder, item, cancellationToken);
            var folder = _data.ItemFolder(item);
            Directory.Move(stagedFolder, folder);
            DirectorySync.Flush(_data.StateFolder(item.Status));
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
    public async Task<Item?> UpdateAsync(Guid itemId, Func<Item, Item?> change, CancellationToken cancellationToken = default)
    {
        using var _ = await _itemLocks.AcquireAsync(itemId, cancellationToken);
        if (Get(itemId) is not { } current) return null;
        if (change(current) is not { } changed) return null;

        var next = changed with { ItemId = current.ItemId, Version = current.Version + 1, UpdatedAt = _time.GetUtcNow() };
        if (next.Status != current.Status)
        {
            if (next.Status == ItemStatus.ToDo) next = next with { QueuedAt = next.UpdatedAt };
            Directory.Move(_data.ItemFolder(current), _data.ItemFolder(next));
            DirectorySync.Flush(_data.StateFolder(next.Status));
        }
        await WriteMetadataAsync(_data.ItemFolder(next), next, cancellationToken);
        Publish(current, next, persisted: true);
        return next;
    }

    /// <summary>Progress of a running conversion: memory only, several times a second, never written to disk.</summary>
    public void ReportProgress(Guid itemId, double progress, double? fps, double? speed, double? etaSeconds)
    {
        Item before, after;
        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var current) || current.Status != ItemStatus.InProgress) return;
            before = current;
            after = current with { Progress = progress, Fps = fps, Speed = speed, EtaSeconds = etaSeconds };
            _items[itemId] = after;
        }
        Changed?.Invoke(before, after);
    }

    /// <summary>Runs <paramref name="action"/> on the item's current folder while no state change can move it.</summary>
    public async Task<T?> WithItemFolderAsync<T>(Guid itemId, Func<Item, string, Task<T>> action, CancellationToken cancellationToken = default)
    {
        using var _ = await _itemLocks.AcquireAsync(itemId, cancellationToken);
        return Get(itemId) is { } item ? await action(item, _data.ItemFolder(item)) : default;
    }

    /// <summary>Removes an item and all its files. The folder is renamed into trash first, so a crash leaves no half item behind.</summary>
    public async Task<bool> DeleteAsync(Guid itemId, CancellationToken cancellationToken = default)
    {
        string trashed;
        using (await _itemLocks.AcquireAsync(itemId, cancellationToken))
        {
            if (Get(itemId) is not { } item) return false;
            trashed = Path.Combine(_data.Trash, $"{itemId:D}-{Guid.NewGuid():N}");
            Directory.Move(_data.ItemFolder(item), trashed);
            Publish(item, null, persisted: true);
        }
        TryDeleteFolder(trashed);
        return true;
    }

    public IndexSnapshot Snapshot()
    {
        lock (_gate)
            // Wall clock on purpose: recovery compares it with folder modification times, which come from the same clock.
            return new IndexSnapshot(_version, DateTimeOffset.UtcNow, _items.Values.ToArray());
    }

    public Task WriteIndexAsync(CancellationToken cancellationToken = default) =>
        IndexFile.WriteAsync(_data.IndexFile, Snapshot(), cancellationToken);

    private static Task WriteMetadataAsync(string folder, Item item, CancellationToken cancellationToken) =>
        AtomicFile.WriteJsonAsync(Path.Combine(folder, ItemFiles.Metadata), item, WireJsonContext.Default.Item, cancellationToken);

    private void Publish(Item? before, Item? after, bool persisted)
    {
        lock (_gate)
        {
            if (before is not null) RemoveFromMemory(before);
            if (after is not null) AddToMemory(after);
            if (persisted) _version++;
        }
        Changed?.Invoke(before, after);
        if (persisted) IndexDirty?.Invoke();
    }

    private void AddToMemory(Item item, bool ordered = true)
    {
        _items[item.ItemId] = item;
        _byContent[(item.Sha512Checksum, item.ConversionType)] = item.ItemId;
        if (ordered) _listingOrder.Add((item.CreatedAt, item.ItemId));
        _countByStatus[(int)item.Status]++;
        _usedBytes += BytesOnDisk(item);
    }

    private void RemoveFromMemory(Item item)
    {
        _items.Remove(item.ItemId);
        if (_byContent.TryGetValue((item.Sha512Checksum, item.ConversionType), out var owner) && owner == item.ItemId)
            _byContent.Remove((item.Sha512Checksum, item.ConversionType));
        _listingOrder.Remove((item.CreatedAt, item.ItemId));
        _countByStatus[(int)item.Status]--;
        _usedBytes -= BytesOnDisk(item);
    }

    private Item? FindByContentUnlocked(string sha512, string conversionType) =>
        _byContent.TryGetValue((sha512, conversionType), out var id) ? _items[id] : null;

    private long BytesOnDisk(Item item)
    {
        var inputKept = item.Status != ItemStatus.FinishedSuccessful || _inputsKeptAfterSuccess;
        return (inputKept ? item.FileSize : 0) + (item.Output?.FileSize ?? 0);
    }

    private static ItemPage PageOf(IEnumerable<Item> matches, Guid? after, int limit)
    {
        var ordered = matches.ToList();
        var start = after is { } cursor ? ordered.FindIndex(item => item.ItemId == cursor) + 1 : 0;
        var page = ordered.Skip(start).Take(limit).ToList();
        var more = start + page.Count < ordered.Count;
        return new ItemPage(page, more ? page[^1].ItemId : null);
    }

    private void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left in trash; the next start empties it.
            _logger.LogWarning("Could not remove {Folder} yet: {Reason}", folder, error.Message);
        }
    }
}
