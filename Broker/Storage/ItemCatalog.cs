using System.Runtime.CompilerServices;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The items as memory holds them (<see cref="ItemSummary"/>), for answers that must not scan the disk: by id, by
/// content, in creation order, counted by state; plus the full records of running items, whose progress lives only
/// here. Thread-safe; changed only by <see cref="ItemStore"/>, after the disk holds the change.
/// </summary>
public sealed class ItemCatalog(bool inputsKeptAfterSuccess)
{
    private readonly Lock _gate = new();
    private Dictionary<Guid, ItemSummary> _items = [];
    // By content, per client: one client's upload never answers with another client's item (which it may not see).
    private Dictionary<(UInt128 Sha512, int ConversionType, int Client), Guid> _byContent = [];
    // By link, per client: the same link for the same conversion type answers with the item made from it.
    private Dictionary<(UInt128 Source, int ConversionType, int Client), Guid> _bySource = [];
    private SortedSet<(long CreatedAtTicks, Guid Id)> _listingOrder = [];
    private readonly Dictionary<Guid, Item> _running = [];
    private readonly int[] _countByStatus = new int[ItemStatuses.All.Count];
    private readonly Dictionary<int, ConversionTotals> _byType = [];
    private readonly Dictionary<int, int> _itemsByClient = [];
    private long _usedBytes;
    private readonly long[] _keptBytes = new long[Enum.GetValues<KeptFor>().Length];
    private int _removedItems;
    private long _pendingOutputBytes;
    private long _version;

    public NameTable Names { get; private set; } = new();

    public long Version { get { lock (_gate) return _version; } }

    public long UsedBytes { get { lock (_gate) return _usedBytes; } }

    /// <summary>Room the outputs of items not converted yet will take, each assumed as large as its input.</summary>
    public long PendingOutputBytes { get { lock (_gate) return _pendingOutputBytes; } }

    /// <summary>The bytes of <see cref="UsedBytes"/> by why they are kept, and the items down to their record.</summary>
    public KeptFiles Kept()
    {
        lock (_gate)
            return new KeptFiles(_keptBytes[(int)KeptFor.Conversion], _keptBytes[(int)KeptFor.Fetch], _keptBytes[(int)KeptFor.GraceTime],
                _keptBytes[(int)KeptFor.Retry], _removedItems);
    }

    /// <summary>Replaces everything with what recovery found.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    /// <param name="items">Taken over, not copied.</param>
    public void Load(Dictionary<Guid, ItemSummary> items, NameTable names, long version)
    {
        lock (_gate)
        {
            Names = names;
            _version = version;
            _items = items;
            _byContent = new Dictionary<(UInt128, int, int), Guid>(items.Count);
            _bySource = [];
            _running.Clear();
            Array.Clear(_countByStatus);
            _byType.Clear();
            _itemsByClient.Clear();
            _usedBytes = 0;
            Array.Clear(_keptBytes);
            _removedItems = 0;
            _pendingOutputBytes = 0;
            foreach (var item in items.Values) Count(item);
            // One sort and a tree built from it, instead of a million ordered inserts.
            _listingOrder = new SortedSet<(long, Guid)>(items.Values.Select(item => item.ListingKey));
        }
    }

    /// <summary>Records a change: null before = created, null after = deleted. A persisted change counts in the version.</summary>
    /// <returns>The index version the change makes (the current one when it is not persisted).</returns>
    /// <param name="steps">How far the version moves on for a persisted change: more than one only for what recovery found.</param>
    public long Apply(Guid? before, Item? after, bool persisted, long steps = 1)
    {
        lock (_gate)
        {
            if (before is { } id && _items.TryGetValue(id, out var known)) Remove(known);
            if (before is { } gone) _running.Remove(gone);
            if (after is not null)
            {
                Add(ItemSummary.Of(after, Names));
                // A fetch's progress, like a conversion's, lives only here.
                if (after.Status == ItemStatus.InProgress || after.IsAwaitingInput()) _running[after.ItemId] = after;
            }
            return persisted ? _version += steps : _version;
        }
    }

    /// <summary>This client's item made from this link for this conversion type, if memory knows one (to be confirmed on its record).</summary>
    public ItemSummary? FindBySource(string url, string conversionType, string clientId)
    {
        var key = (SourceKeys.Of(url), Names.Find(conversionType), Names.Find(clientId));
        lock (_gate) return _bySource.TryGetValue(key, out var id) ? _items[id] : null;
    }

    /// <summary>Swaps the record of a running item for one with new progress; null when it is not running (any more).</summary>
    public (Item Before, Item After)? UpdateRunning(Guid itemId, Func<Item, Item> update)
    {
        lock (_gate)
        {
            if (!_running.TryGetValue(itemId, out var current)) return null;
            var updated = update(current);
            _running[itemId] = updated;
            return (current, updated);
        }
    }

    /// <summary>The summary of an item; for a running one also its full record (with progress), which is not on disk.</summary>
    public (ItemSummary Summary, Item? Running)? Find(Guid itemId)
    {
        lock (_gate)
            return _items.TryGetValue(itemId, out var summary) ? (summary, _running.GetValueOrDefault(itemId)) : null;
    }

    /// <summary>This client's item of this content and conversion type, if memory knows one (to be confirmed on its record).</summary>
    public ItemSummary? FindByContent(string sha512, string conversionType, string clientId)
    {
        var key = (ShaPrefix.Of(sha512), Names.Find(conversionType), Names.Find(clientId));
        lock (_gate) return _byContent.TryGetValue(key, out var id) ? _items[id] : null;
    }

    /// <summary>Summaries in creation order (or its reverse) that may match <paramref name="matches"/>, from after <paramref name="after"/>, at most <paramref name="count"/>.</summary>
    public List<ItemSummary> InListingOrder(Func<ItemSummary, bool> matches, Guid? after, int count, bool newestFirst = false)
    {
        var found = new List<ItemSummary>(Math.Min(count, 64));
        lock (_gate)
        {
            IEnumerable<(long CreatedAtTicks, Guid Id)> keys = newestFirst ? _listingOrder.Reverse() : _listingOrder;
            if (after is { } cursor && _items.TryGetValue(cursor, out var last) && _listingOrder.Count > 0)
                keys = newestFirst
                    ? _listingOrder.GetViewBetween(_listingOrder.Min, last.ListingKey).Reverse().Skip(1)
                    : _listingOrder.GetViewBetween(last.ListingKey, _listingOrder.Max).Skip(1);
            foreach (var key in keys)
            {
                var summary = _items[key.Id];
                if (!matches(summary)) continue;
                found.Add(summary);
                if (found.Count == count) break;
            }
        }
        return found;
    }

    /// <summary>
    /// Finished items whose files may go: fetched at or before <paramref name="fetchedBy"/>, or never fetched and
    /// finished at or before <paramref name="finishedBy"/> (UTC ticks). Oldest first.
    /// </summary>
    public List<Guid> FilesDue(long fetchedBy, long finishedBy)
    {
        lock (_gate)
            return _items.Values.Where(item => !item.FilesRemoved && item.Status.IsFinished()
                    && (item.FetchedAtTicks != 0 ? item.FetchedAtTicks <= fetchedBy : item.FinishedAtTicks != 0 && item.FinishedAtTicks <= finishedBy))
                .OrderBy(item => item.FinishedAtTicks).Select(item => item.ItemId).ToList();
    }

    /// <summary>The summaries of these ids that memory knows, in creation order.</summary>
    public List<ItemSummary> OfIds(IEnumerable<Guid> ids)
    {
        lock (_gate)
            return ids.Select(id => _items.TryGetValue(id, out var summary) ? summary : (ItemSummary?)null).OfType<ItemSummary>()
                .OrderBy(summary => summary.ListingKey).ToList();
    }

    /// <summary>What finished, per conversion type (by its number in <see cref="Names"/>), and how many items each client has.</summary>
    public (Dictionary<int, ConversionTotals> ByType, Dictionary<int, int> ItemsByClient) Totals()
    {
        lock (_gate) return (new Dictionary<int, ConversionTotals>(_byType), new Dictionary<int, int>(_itemsByClient));
    }

    /// <summary>The full records of the running items (converting, not fetching), with their progress.</summary>
    public List<Item> Running()
    {
        lock (_gate) return [.. _running.Values.Where(item => item.Status == ItemStatus.InProgress)];
    }

    /// <summary>Items in to_do that may still wait for their input (no content yet), in the order they were queued; to be confirmed on their records.</summary>
    public IReadOnlyList<Guid> WithoutContent(ItemStatus status)
    {
        lock (_gate)
            return _items.Values.Where(item => item.Status == status && !item.HasContent && item.SourceKey != 0).OrderBy(item => item.QueuedAtTicks)
                .Select(item => item.ItemId).ToList();
    }

    public QueueDepth Depth()
    {
        lock (_gate) return new QueueDepth(_countByStatus[0], _countByStatus[1], _countByStatus[2], _countByStatus[3]);
    }

    /// <summary>Items in one state, in the order they were queued (FIFO for workers).</summary>
    public IReadOnlyList<Guid> InState(ItemStatus status)
    {
        lock (_gate)
            return _items.Values.Where(item => item.Status == status).OrderBy(item => item.QueuedAtTicks).ThenBy(item => item.CreatedAtTicks)
                .Select(item => item.ItemId).ToList();
    }

    private void Add(ItemSummary item)
    {
        _items[item.ItemId] = item;
        _listingOrder.Add(item.ListingKey);
        Count(item);
    }

    /// <summary>Everything but the item itself and its place in the listing order.</summary>
    private void Count(ItemSummary item)
    {
        if (item.HasContent)
        {
            // An item down to its record never hides one that holds the same content (sent again after the removal).
            var key = (item.Sha512Prefix, item.ConversionType, item.Client);
            if (!item.FilesRemoved || !_byContent.ContainsKey(key)) _byContent[key] = item.ItemId;
        }
        if (item.SourceKey != 0) _bySource[(item.SourceKey, item.ConversionType, item.Client)] = item.ItemId;
        _countByStatus[(int)item.Status]++;
        _byType[item.ConversionType] = _byType.GetValueOrDefault(item.ConversionType).With(item, +1);
        _itemsByClient[item.Client] = _itemsByClient.GetValueOrDefault(item.Client) + 1;
        _usedBytes += BytesOnDisk(item);
        _keptBytes[(int)KeptForOf(item)] += BytesOnDisk(item);
        if (item.FilesRemoved) _removedItems++;
        _pendingOutputBytes += PendingOutput(item);
    }

    private void Remove(ItemSummary item)
    {
        _items.Remove(item.ItemId);
        var key = (item.Sha512Prefix, item.ConversionType, item.Client);
        if (_byContent.TryGetValue(key, out var owner) && owner == item.ItemId) _byContent.Remove(key);
        var sourceKey = (item.SourceKey, item.ConversionType, item.Client);
        if (_bySource.TryGetValue(sourceKey, out var linked) && linked == item.ItemId) _bySource.Remove(sourceKey);
        _listingOrder.Remove(item.ListingKey);
        _countByStatus[(int)item.Status]--;
        _byType[item.ConversionType] = _byType.GetValueOrDefault(item.ConversionType).With(item, -1);
        if ((_itemsByClient[item.Client] -= 1) == 0) _itemsByClient.Remove(item.Client);
        _usedBytes -= BytesOnDisk(item);
        _keptBytes[(int)KeptForOf(item)] -= BytesOnDisk(item);
        if (item.FilesRemoved) _removedItems--;
        _pendingOutputBytes -= PendingOutput(item);
    }

    private long BytesOnDisk(ItemSummary item)
    {
        if (item.FilesRemoved) return 0;
        var inputKept = item.Status != ItemStatus.FinishedSuccessful || inputsKeptAfterSuccess;
        return (inputKept ? item.FileSize : 0) + Math.Max(0, item.OutputSize);
    }

    private static KeptFor KeptForOf(ItemSummary item) => item.Status switch
    {
        ItemStatus.FinishedSuccessful => item.FetchedAtTicks != 0 ? KeptFor.GraceTime : KeptFor.Fetch,
        ItemStatus.FinishedWithErrors => KeptFor.Retry,
        _ => KeptFor.Conversion,
    };

    private enum KeptFor { Conversion, Fetch, GraceTime, Retry }

    private static long PendingOutput(ItemSummary item) => item.Status is ItemStatus.ToDo or ItemStatus.InProgress ? item.FileSize : 0;
}

/// <summary>The finished items of one conversion type: how many, and the bytes that went in and came out of the converted ones.</summary>
public readonly record struct ConversionTotals(int Converted, int Failed, long InputBytes, long OutputBytes)
{
    /// <summary>These totals with <paramref name="item"/> counted in (+1) or out (-1).</summary>
    public ConversionTotals With(ItemSummary item, int sign) => item.Status switch
    {
        ItemStatus.FinishedSuccessful => new(Converted + sign, Failed, InputBytes + sign * item.FileSize, OutputBytes + sign * Math.Max(0, item.OutputSize)),
        ItemStatus.FinishedWithErrors => this with { Failed = Failed + sign },
        _ => this,
    };
}
