using System.IO.Abstractions;
using MediaBroker.Shared.Reliability;

namespace MediaBroker.Broker.Hosting;

/// <summary>How a broker process is hosted, as opposed to what it does (that is <see cref="Configuration.BrokerSettings"/>).</summary>
public sealed record BrokerHostOptions
{
    public bool LogToConsole { get; init; } = true;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>The real disk; with crash points when the process was started to crash at one (see <see cref="CrashPoints"/>).</summary>
    public IFileSystem Files { get; init; } = CrashingFileSystem.ForThisProcess();
}
