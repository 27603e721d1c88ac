using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Client.State;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Items;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client retry ITEM_ID</c>: asks the broker to convert a failed item again.</summary>
public static class RetryCommand
{
    public static Command Create()
    {
        var id = ItemIdsArgument("the failed item", ArgumentArity.ExactlyOne);
        var config = ConfigOption();
        var command = new Command("retry", "Ask the broker to convert a failed item again (failed items are never retried on their own).") { id, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, ResolveItemIds(context, parse.GetValue(id)!).Single(), cancellationToken), changesState: true));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, Guid id, CancellationToken cancellationToken)
    {
        await context.Brokers.RefreshAsync(cancellationToken);
        var (broker, item) = await DownloadCommand.FindAsync(context, id, cancellationToken);
        if (broker is null || item is null) return Cli.Fail($"item {id}: no configured broker that answers knows it (see media-client servers)");
        var retried = await broker.Api.RetryAsync(id, cancellationToken);
        // Made on the record as it is now, even with a watcher running: it follows the item again at its next pass.
        await context.Database.ChangeAsync(database =>
        {
            if (database.FindByItem(id) is { } file) database.Put(file with { Status = FileStatus.Converting, ServerId = broker.Id, Errors = [] });
        }, cancellationToken);
        Console.WriteLine($"item {id} is back in {retried.Status.WireName()} on {broker.Id}");
        return ExitCodes.Ok;
    }
}
