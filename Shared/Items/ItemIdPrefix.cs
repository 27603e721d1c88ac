namespace MediaBroker.Shared.Items;

/// <summary>
/// Item ids as people handle them, like git's commits: tables print the first <see cref="ShortLength"/> hex digits,
/// and a command takes any unique start of an id (at least <see cref="MinimumLength"/> digits, dashes optional).
/// Only the command lines resolve prefixes; the HTTP API takes whole ids, so that a request means the same item
/// tomorrow, when a new item may share today's unique prefix.
/// </summary>
public static class ItemIdPrefix
{
    public const int ShortLength = 12;
    public const int MinimumLength = 4;

    public static string Short(Guid id) => id.ToString("N")[..ShortLength];

    /// <summary>The hex digits a user typed (dashes dropped, lower case), or null when it cannot start an id.</summary>
    public static string? Normalize(string typed)
    {
        var digits = typed.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        return digits.Length is >= MinimumLength and <= 32 && digits.All(char.IsAsciiHexDigit) ? digits : null;
    }

    /// <summary>The one id among <paramref name="known"/> that starts so; a whole id is taken as it is, known or not.</summary>
    /// <exception cref="ItemIdException">The message says what is wrong: not an id, no item, or several.</exception>
    public static Guid Resolve(string typed, IEnumerable<Guid> known)
    {
        if (Guid.TryParse(typed, out var whole)) return whole;
        var prefix = Normalize(typed)
            ?? throw new ItemIdException($"'{typed}' is not an item id (a whole one, or its first {MinimumLength} or more hex digits)");
        var matches = known.Where(id => id.ToString("N").StartsWith(prefix, StringComparison.Ordinal)).Distinct().Take(4).ToList();
        return matches switch
        {
            [var only] => only,
            [] => throw new ItemIdException($"no item known here has an id that starts with '{typed}' (a whole id is always taken)"),
            _ => throw new ItemIdException(
                $"'{typed}' starts more than one item's id ({string.Join(", ", matches.Take(3).Select(id => id.ToString("N")[..Math.Min(32, prefix.Length + 4)]))}{(matches.Count > 3 ? ", ..." : "")}); type more of it"),
        };
    }
}

/// <summary>A typed id that names no item, or more than one; its message is the one line to print.</summary>
public sealed class ItemIdException(string message) : Exception(message);
