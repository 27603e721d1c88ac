using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The items as memory holds them, for answers that must not touch the disk: by id, by content, in creation order,
/// counted by state. Thread-safe; changed only by <see cref="ItemStore"/>, after the disk holds the change.
/// </summary>
public sealed class ItemCatalog(bool inputsKeptAfterSuccess)
{
    private readonly Lock _gate = new();
    private readonly ValuePool _pool = new();
    private Dictionary<Guid, Item> _items = [];
    // By content, per client: one client's upload never answers with another client's item (which it may not see).
    private Dictionary<(string Sha512, string ConversionType, string ClientId), Guid> _byContent = [];
    private SortedSet<(DateTimeOffset CreatedAt, Guid Id)> _listingOrder = [];
    private readonly int[] _countByStatus = new int[ItemStatuses.All.Count];
    private long _usedBytes;
    private long _pendingOutputBytes;
    private long _version;

    public long Version { get { lock (_gate) return _version; } }

    public long UsedBytes { get { lock (_gate) return _usedBytes; } }

    /// <summary>Room the outputs of items not converted yet will take, each assumed as large as its input.</summary>
    public long PendingOutputBytes { get { lock (_gate) return _pendingOutputBytes; } }

    /// <summary>Replaces everything with what recovery found.</summary>
    public void Load(IReadOnlyList<Item> items, long version)
    {
        lock (_gate)
        {
            _version = version;
            _items = new Dictionary<Guid, Item>(items.Count);
            _byContent = new Dictionary<(string, string, string), Guid>(items.Count);
            Array.Clear(_countByStatus);
            _usedBytes = 0;
            _pendingOutputBytes = 0;
            foreach (var item in items) Add(item, ordered: false);
            // One sort instead of 100,000 ordered inserts.
            _listingOrder = new SortedSet<(DateTimeOffset CreatedAt, Guid Id)>(items.Select(item => (item.CreatedAt, item.ItemId)));
        }
    }

    /// <summary>Records a change: null before = created, null after = deleted. A persisted change counts in the version.</summary>
    public void Apply(Item? before, Item? after, bool persisted)
    {
        lock (_gate)
        {
            if (before is not null) Remove(before);
            if (after is not null) Add(after);
            if (persisted) _version++;
        }
    }

    /// <summary>Swaps the record of a running item for one with new progress; null when it is not running (any more).</summary>
    public (Item Before, Item After)? UpdateRunning(Guid itemId, Func<Item, Item> update)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(itemId, out var current) || current.Status != ItemStatus.InProgress) return null;
            var updated = update(current);
            _items[itemId] = updated;
            return (current, updated);
        }
    }

    public Item? Get(Guid itemId)
    {
        lock (_gate) return _items.GetValueOrDefault(itemId);
    }

    /// <summary>This client's item of this content and conversion type.</summary>
    public Item? FindByContent(string sha512, string conversionType, string clientId)
    {
        lock (_gate) return FindByContentUnlocked(sha512, conversionType, clientId);
    }

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
            if (query.Sha512Checksum is { } sha && query.ConversionType is { } type && query.ClientId is { } clientId)
                return PageOf(FindByContentUnlocked(sha, type, clientId) is { } found && query.Matches(found) ? [found] : [], query.After, limit);

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
        lock (_gate) return new QueueDepth(_countByStatus[0], _countByStatus[1], _countByStatus[2], _countByStatus[3]);
    }

    /// <summary>Items in one state, in the order they were queued (FIFO for workers).</summary>
    public IReadOnlyList<Item> InState(ItemStatus status)
    {
        lock (_gate)
            return _items.Values.Where(item => item.Status == status).OrderBy(item => item.QueuedAt).ThenBy(item => item.CreatedAt).ToList();
    }

    public IndexSnapshot Snapshot()
    {
        lock (_gate)
            // Wall clock on purpose: recovery compares it with folder modification times, which come from the same clock.
            return new IndexSnapshot(_version, DateTimeOffset.UtcNow, _items.Values.ToArray());
    }

    private void Add(Item item, bool ordered = true)
    {
        item = _pool.Compact(item);
        _items[item.ItemId] = item;
        _byContent[(item.Sha512Checksum, item.ConversionType, item.ClientId)] = item.ItemId;
        if (ordered) _listingOrder.Add((item.CreatedAt, item.ItemId));
        _countByStatus[(int)item.Status]++;
        _usedBytes += BytesOnDisk(item);
        _pendingOutputBytes += PendingOutput(item);
    }

    private void Remove(Item item)
    {
        _items.Remove(item.ItemId);
        if (_byContent.TryGetValue((item.Sha512Checksum, item.ConversionType, item.ClientId), out var owner) && owner == item.ItemId)
            _byContent.Remove((item.Sha512Checksum, item.ConversionType, item.ClientId));
        _listingOrder.Remove((item.CreatedAt, item.ItemId));
        _countByStatus[(int)item.Status]--;
        _usedBytes -= BytesOnDisk(item);
        _pendingOutputBytes -= PendingOutput(item);
    }

    private Item? FindByContentUnlocked(string sha512, string conversionType, string clientId) =>
        _byContent.TryGetValue((sha512, conversionType, clientId), out var id) ? _items[id] : null;

    private long BytesOnDisk(Item item)
    {
        var inputKept = item.Status != ItemStatus.FinishedSuccessful || inputsKeptAfterSuccess;
        return (inputKept ? item.FileSize : 0) + (item.Output?.FileSize ?? 0);
    }

    private static long PendingOutput(Item item) => item.Status is ItemStatus.ToDo or ItemStatus.InProgress ? item.FileSize : 0;

    private static ItemPage PageOf(IEnumerable<Item> matches, Guid? after, int limit)
    {
        var ordered = matches.ToList();
        var start = after is { } cursor ? ordered.FindIndex(item => item.ItemId == cursor) + 1 : 0;
        var page = ordered.Skip(start).Take(limit).ToList();
        var more = start + page.Count < ordered.Count;
        return new ItemPage(page, more ? page[^1].ItemId : null);
    }
}
