using System.CommandLine;

namespace MediaBroker.Broker.CommandLine;

/// <summary>The <c>media-broker</c> command and its subcommands.</summary>
public static class BrokerCommandLine
{
    public static RootCommand Create() => new("MediaBroker broker: takes media files over HTTP, converts them with ffmpeg, hands back verified results.")
    {
        ServeCommand.Create(),
        QueueCommands.Create(),
    };

    // The web host handles Ctrl-C and SIGTERM itself (graceful stop of conversions); System.CommandLine must not.
    public static Task<int> RunAsync(string[] args) =>
        Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
}
