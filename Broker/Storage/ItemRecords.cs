using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Storage;

/// <summary>Full records read from the item folders, for what memory answers only in summary.</summary>
public static class ItemRecords
{
    /// <returns>The record in the folder memory names, or null when it is not there (moved or deleted meanwhile).</returns>
    public static Item? Read(IFileSystem files, DataFolder data, ItemSummary summary)
    {
        try
        {
            var path = files.Path.Combine(data.ItemFolder(summary.Status, summary.ItemId), ItemFiles.Metadata);
            return JsonSerializer.Deserialize(files.File.ReadAllBytes(path), WireJsonContext.Default.Item);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Items in creation order (or newest first), filtered and paged: the filters run on the summaries, then on the records of one page.</summary>
    public static ItemPage List(ItemCatalog catalog, ItemQuery query, Func<Guid, Item?> get)
    {
        var limit = Math.Clamp(query.Limit, 1, ItemQuery.MaxLimit);
        var matches = SummaryFilter(catalog.Names, query);
        if (query.Ids is { } ids)
        {
            var candidates = catalog.OfIds(ids).Where(matches).ToList();
            if (query.NewestFirst) candidates.Reverse();
            var start = query.After is { } cursor ? candidates.FindIndex(summary => summary.ItemId == cursor) + 1 : 0;
            return Page(candidates.Skip(start), limit, query, get);
        }
        return Page(catalog.InListingOrder(matches, query.After, limit + 1, query.NewestFirst), limit, query, get);
    }

    private static ItemPage Page(IEnumerable<ItemSummary> candidates, int limit, ItemQuery query, Func<Guid, Item?> get)
    {
        var page = new List<Item>(Math.Min(limit, 64));
        foreach (var summary in candidates)
        {
            if (get(summary.ItemId) is not { } item || !query.Matches(item)) continue;
            if (page.Count == limit) return new ItemPage(page, page[^1].ItemId);
            page.Add(item);
        }
        return new ItemPage(page, null);
    }

    /// <summary>What a summary can tell of <see cref="ItemQuery.Matches"/>: never false for an item that matches.</summary>
    private static Func<ItemSummary, bool> SummaryFilter(NameTable names, ItemQuery query)
    {
        var client = query.ClientId is { } clientId ? names.Find(clientId) : (int?)null;
        var type = query.ConversionType is { } conversionType ? names.Find(conversionType) : (int?)null;
        var sha = query.Sha512Checksum is { } checksum ? ShaPrefix.Of(checksum) : (UInt128?)null;
        return summary => (client is null || summary.Client == client) && (type is null || summary.ConversionType == type)
            && (query.Status is null || summary.Status == query.Status) && (query.Ids is null || query.Ids.Contains(summary.ItemId))
            && (sha is null || summary.Sha512Prefix == sha) && query.NameMatches(summary.Name);
    }
}
