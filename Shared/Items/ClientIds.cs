using System.Text.RegularExpressions;

namespace MediaBroker.Shared.Items;

/// <summary>The one rule for a client id, checked by the broker on uploads and by the client on its settings.</summary>
public static partial class ClientIds
{
    public const string Rule = "may hold letters, digits and . _ @ - (at most 100)";

    public static bool IsValid(string? clientId) => clientId is not null && Pattern().IsMatch(clientId);

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,100}$")]
    private static partial Regex Pattern();
}
