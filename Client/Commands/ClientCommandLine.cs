using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;

namespace MediaBroker.Client.Commands;

/// <summary>The <c>media-client</c> command and what its subcommands share.</summary>
public static class ClientCommandLine
{
    public static readonly CliReporter Cli = new("media-client");

    public static RootCommand Create() => new("MediaBroker client: watches folders, hands media to brokers, fetches the converted files back.")
    {
        UploadCommand.Create(),
        StatusCommand.Create(),
        DownloadCommand.Create(),
        ServersCommand.Create(),
        SyncCommand.Create(),
        WatchCommand.Create(),
        RetryCommand.Create(),
    };

    // watch handles Ctrl-C and SIGTERM itself (a clean stop); System.CommandLine must not cut it short.
    public static Task<int> RunAsync(string[] args) =>
        Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

    public static Option<string?> ConfigOption() => new("--config") { Description = "client.json to read (default: ./client.json when present)" };

    /// <summary>Runs a command with the client's context; every failure a user can cause ends as one line and an exit code.</summary>
    public static async Task<int> WithContextAsync(string? configPath, bool exclusive, bool verbose, Func<ClientContext, Task<int>> action)
    {
        try
        {
            using var context = ClientContext.Open(configPath, exclusive, verbose);
            return await action(context);
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
        catch (InvalidDataException error)
        {
            return Cli.Fail(error.Message);
        }
        catch (BrokerUnavailableException error)
        {
            return Cli.Fail(error.Message);
        }
        catch (BrokerRejectedException error)
        {
            return Cli.Fail($"the broker refused: {error.Detail} ({(int)error.Status} {error.Title})");
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }
}
