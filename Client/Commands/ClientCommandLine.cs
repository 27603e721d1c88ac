using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Client.Commands;

/// <summary>The <c>media-client</c> command and what its subcommands share.</summary>
public static class ClientCommandLine
{
    public static readonly CliReporter Cli = new("media-client");

    public static RootCommand Create() => new("MediaBroker client: watches folders, hands media to brokers, fetches the converted files back.")
    {
        UploadCommand.Create(),
        AddUrlCommand.Create(),
        StatusCommand.Create(),
        DownloadCommand.Create(),
        ServersCommand.Create(),
        SyncCommand.Create(),
        WatchCommand.Create(),
        RetryCommand.Create(),
    };

    public static Task<int> RunAsync(string[] args) =>
        CommandLineEntry.RunAsync(Create(), "media-client", args);

    /// <summary>
    /// ITEM_ID arguments, each checked: a typo is named as such, never read as the empty id. A unique start of an id
    /// is taken too (<see cref="ResolveItemIds"/>), as status prints them.
    /// </summary>
    public static Argument<string[]> ItemIdsArgument(string description, ArgumentArity arity) => new("ITEM_ID")
    {
        Description = $"{description}: a whole id or a unique start of one (at least {ItemIdPrefix.MinimumLength} hex digits)", Arity = arity,
        CustomParser = result =>
        {
            foreach (var token in result.Tokens.Where(token => !Guid.TryParse(token.Value, out _) && ItemIdPrefix.Normalize(token.Value) is null))
                result.AddError($"'{token.Value}' is not an item id (they look like 3f2b8c1e-9a4d-4c1b-8e2f-5d6a7b8c9d0e, or its first {ItemIdPrefix.MinimumLength} or more digits)");
            return [.. result.Tokens.Select(token => token.Value)];
        },
    };

    /// <summary>The ids meant: a start of one resolves among the items this client handed over (a whole id works for any item).</summary>
    /// <exception cref="ItemIdException">No item, or more than one, starts so.</exception>
    public static Guid[] ResolveItemIds(ClientContext context, IEnumerable<string> typed)
    {
        var known = context.Database.All().Select(file => file.ItemId).OfType<Guid>().ToList();
        return [.. typed.Select(token => ItemIdPrefix.Resolve(token, known))];
    }

    public static Option<string?> ConfigOption() => new("--config") { Description = "client.json to read (default: ./client.json when present)" };

    /// <summary>Runs a command with the client's context; every failure a user can cause ends as one line and an exit code.</summary>
    /// <param name="changesState">See <see cref="ClientContext.Open"/>.</param>
    public static async Task<int> WithContextAsync(string? configPath, bool exclusive, bool verbose, Func<ClientContext, Task<int>> action,
        bool changesState = false)
    {
        try
        {
            using var context = ClientContext.Open(configPath, exclusive, verbose, changesState: changesState);
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
        catch (ItemIdException error)
        {
            return Cli.Fail(error.Message);
        }
        catch (TimeoutException error) // items.lock held too long by another media-client
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
