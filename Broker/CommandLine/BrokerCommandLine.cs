using System.CommandLine;
using MediaBroker.Shared.CommandLine;

namespace MediaBroker.Broker.CommandLine;

/// <summary>The <c>media-broker</c> command and its subcommands.</summary>
public static class BrokerCommandLine
{
    public static RootCommand Create() => new("MediaBroker broker: takes media files over HTTP, converts them with ffmpeg, hands back verified results.")
    {
        ServeCommand.Create(),
        QueueCommands.Create(),
        TokenCommands.Create(),
    };

    public static Task<int> RunAsync(string[] args) =>
        CommandLineEntry.RunAsync(Create(), "media-broker", args);
}
