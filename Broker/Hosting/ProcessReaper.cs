using MediaBroker.Broker.Conversion;

namespace MediaBroker.Broker.Hosting;

/// <summary>At shutdown, after the workers have stopped their own conversions, stops any child process still running.</summary>
public sealed class ProcessReaper(RunningProcesses processes) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => processes.StopAllAsync(cancellationToken);
}
