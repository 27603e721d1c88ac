using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Media;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>The broker's IInputFetcher as the broker wires it (AddInputFetching), over given settings; a new one is a broker restarted.</summary>
public sealed class Fetchers : IDisposable
{
    private readonly ServiceProvider _services;

    public Fetchers(BrokerSettings settings, TimeProvider? time = null)
    {
        var services = new ServiceCollection()
            .AddSingleton(settings).AddSingleton(time ?? TimeProvider.System).AddSingleton<IFileSystem>(new FileSystem())
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<RunningPrograms>().AddSingleton<ProgramRunner>();
        _services = services.AddInputFetching().BuildServiceProvider();
    }

    public IInputFetcher Fetcher => _services.GetRequiredService<IInputFetcher>();

    public List<FetchProgress> Reports { get; } = [];

    public Task<FetchedInput> FetchAsync(Uri url, string path, CancellationToken cancellationToken = default) =>
        Fetcher.FetchAsync(url, path, new Progress(Reports), cancellationToken);

    public void Dispose() => _services.Dispose();

    // Synchronous, unlike Progress<T>: every report is in the list when the fetch returns.
    private sealed class Progress(List<FetchProgress> reports) : IProgress<FetchProgress>
    {
        public void Report(FetchProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
