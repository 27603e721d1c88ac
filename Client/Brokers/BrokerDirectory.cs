using MediaBroker.Client.Configuration;

namespace MediaBroker.Client.Brokers;

/// <summary>Every configured broker, and the choice of one for a file: up, supporting its media type, least loaded.</summary>
public sealed class BrokerDirectory : IDisposable
{
    private readonly Dictionary<string, BrokerConnection> _brokers;
    private readonly Dictionary<string, int> _assignedThisPass = [];

    public BrokerDirectory(ClientSettings settings, TimeProvider time)
    {
        _brokers = settings.ListOfServers.ToDictionary(entry => entry.Id,
            entry => new BrokerConnection(entry, TimeSpan.FromSeconds(settings.BrokerRetryMaxSeconds), time), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<BrokerConnection> All => _brokers.Values;

    public BrokerConnection? Get(string? id) => id is not null ? _brokers.GetValueOrDefault(id) : null;

    /// <summary>Asks every broker how it is (those pausing after failures are not asked).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        _assignedThisPass.Clear();
        await Task.WhenAll(_brokers.Values.Select(broker => broker.RefreshAsync(cancellationToken)));
    }

    /// <summary>
    /// The broker for a new file: among those up that support its media type and offer its conversion type, the one
    /// with the fewest items waiting (counting the files sent to it in this pass), then the most free space.
    /// </summary>
    public BrokerConnection? Choose(string mediaType, string? conversionType, string? avoid = null)
    {
        var chosen = _brokers.Values
            .Where(broker => broker.IsUp && broker.Id != avoid && broker.Offers(mediaType, conversionType))
            .OrderBy(broker => broker.Info!.Queue.Pending + _assignedThisPass.GetValueOrDefault(broker.Id))
            .ThenByDescending(broker => broker.Info!.FreeBytes)
            .ThenBy(broker => broker.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is not null) _assignedThisPass[chosen.Id] = _assignedThisPass.GetValueOrDefault(chosen.Id) + 1;
        return chosen;
    }

    public void Dispose()
    {
        foreach (var broker in _brokers.Values) broker.Dispose();
    }
}
