using MediaBroker.Broker.Configuration;

namespace MediaBroker.Testing;

/// <summary>The in-process brokers of one test class, each with its own data folder, all stopped at the end.</summary>
public sealed class BrokerFleet(TempFolder folder) : IAsyncDisposable
{
    private readonly List<RunningBroker> _brokers = [];

    public int Count => _brokers.Count;

    /// <param name="dataPath">An existing data folder (a restart), or null for a new one.</param>
    public async Task<RunningBroker> StartAsync(Func<BrokerSettings, BrokerSettings>? configure = null, string? dataPath = null, TimeProvider? time = null) =>
        Add(await RunningBroker.StartAsync(dataPath ?? folder.Combine($"data-{_brokers.Count}"), configure, time));

    public RunningBroker Add(RunningBroker broker)
    {
        _brokers.Add(broker);
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers) await broker.DisposeAsync();
    }
}
