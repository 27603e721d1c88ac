using System.IO.Abstractions;

namespace MediaBroker.Broker.Hosting;

/// <summary>How a broker process is hosted, as opposed to what it does (that is <see cref="Configuration.BrokerSettings"/>).</summary>
public sealed record BrokerHostOptions
{
    public bool LogToConsole { get; init; } = true;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public IFileSystem Files { get; init; } = new FileSystem();
}
