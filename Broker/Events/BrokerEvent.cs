namespace MediaBroker.Broker.Events;

/// <summary>
/// One server-sent event: its number, type and JSON data, and the bytes it goes on the wire as (see <see cref="EventId"/>),
/// made once for every stream that carries it. <paramref name="OwnerClientId"/> is the client whose item it is about,
/// null for what every caller may see.
/// </summary>
public sealed record BrokerEvent(long Sequence, string Type, string? OwnerClientId, byte[] Data, byte[] Wire)
{
    /// <summary>A comment line: keeps a quiet stream open through proxies; no event for the reader.</summary>
    public static readonly BrokerEvent Heartbeat = new(0, "heartbeat", null, [], ": heartbeat\n\n"u8.ToArray());

    public static BrokerEvent Create(string run, long sequence, string type, string? ownerClientId, byte[] data)
    {
        // JSON from the serializer has no raw line breaks, so one data line carries it whole.
        var head = System.Text.Encoding.UTF8.GetBytes($"id: {new EventId(run, sequence)}\nevent: {type}\ndata: ");
        return new BrokerEvent(sequence, type, ownerClientId, data, [.. head, .. data, (byte)'\n', (byte)'\n']);
    }

    /// <summary>An item was created or changed (its progress too); the data is the item.</summary>
    public const string ItemChanged = "item";
    /// <summary>An item is gone; the data is <c>{"item_id": …}</c>.</summary>
    public const string ItemDeleted = "item_deleted";
    /// <summary>The broker's figures changed; the data is the <c>GET /api/stats</c> answer without running conversions.</summary>
    public const string Stats = "stats";
    /// <summary>
    /// What was missed cannot be replayed (the broker restarted, or the reader fell too far behind): the data is the
    /// current figures, and the page reloads the one page of items it shows.
    /// </summary>
    public const string Resync = "resync";
}

/// <summary>
/// Event ids are <c>RUN.SEQUENCE</c>: the run tells a reconnecting reader whether the sequence numbers it knows
/// are this broker process's, whose recent events can be replayed, or a previous one's, which cannot.
/// </summary>
public readonly record struct EventId(string Run, long Sequence)
{
    public override string ToString() => $"{Run}.{Sequence}";

    public static EventId? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var dot = text.LastIndexOf('.');
        return dot > 0 && long.TryParse(text.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? new EventId(text[..dot], sequence)
            : null;
    }
}
