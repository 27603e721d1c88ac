using System.Globalization;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Api;

/// <summary>Reads the query string of <c>GET /api/items</c>; a wrong value is a 400 that names it.</summary>
public static class ItemQueryParser
{
    private const int MaxSearchLength = 200;

    public static (ItemQuery? Query, string? Problem) Parse(IQueryCollection query)
    {
        var result = new ItemQuery { ClientId = Value(query, "client_id"), ConversionType = Value(query, "conversion_type") };

        if (Value(query, "status") is { } statusText)
        {
            if (!ItemStatuses.TryParse(statusText, out var status))
                return (null, $"status '{statusText}' is not one of to_do, in_progress, finished_successful, finished_with_errors");
            result = result with { Status = status };
        }
        if (Value(query, "ids") is { } idsText)
        {
            var ids = new HashSet<Guid>();
            foreach (var part in idsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Guid.TryParse(part, out var id)) return (null, $"ids: '{part}' is not an item id");
                ids.Add(id);
            }
            if (ids.Count > ItemQuery.MaxLimit) return (null, $"ids: at most {ItemQuery.MaxLimit} ids at once");
            result = result with { Ids = ids, Limit = ItemQuery.MaxLimit };
        }
        if (Value(query, "sha512") is { } shaText)
        {
            if (Sha512Hex.Normalize(shaText) is not { } sha) return (null, "sha512 must be 128 hex digits");
            result = result with { Sha512Checksum = sha };
        }
        if (Value(query, "after") is { } afterText)
        {
            if (!Guid.TryParse(afterText, out var after)) return (null, $"after: '{afterText}' is not an item id");
            result = result with { After = after };
        }
        if (Value(query, "q") is { } search)
        {
            if (search.Length > MaxSearchLength) return (null, $"q: at most {MaxSearchLength} characters");
            result = result with { NameContains = search };
        }
        if (Value(query, "order") is { } order)
        {
            if (order is not ("newest" or "oldest")) return (null, $"order '{order}' is not one of newest, oldest");
            result = result with { NewestFirst = order == "newest" };
        }
        if (Value(query, "limit") is { } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > ItemQuery.MaxLimit)
                return (null, $"limit must be a number from 1 to {ItemQuery.MaxLimit}");
            result = result with { Limit = limit };
        }
        return (result, null);
    }

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString().Trim() : null;
}
