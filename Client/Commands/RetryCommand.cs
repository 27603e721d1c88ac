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
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: true, verbose: false,
            context => RunAsync(context, ResolveItemIds(context, parse.GetValue(id)!).Single(), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, Guid id, CancellationToken cancellationToken)
    {
        await context.Brokers.RefreshAsync(cancellationToken);
        var (broker, item) = await DownloadCommand.FindAsync(context, id, cancellationToken);
        if (broker is null || item is null) return Cli.Fail($"item {id}: no configured broker that answers knows it (see media-client servers)");
        var retried = await broker.Api.RetryAsync(id, cancellationToken);
        if (context.Database.FindByItem(id) is { } file)
        {
            context.Database.Put(file with { Status = FileStatus.Converting, ServerId = broker.Id, Errors = [] });
            await context.Database.SaveAsync(cancellationToken);
        }
        Console.WriteLine($"item {id} is back in {retried.Status.WireName()} on {broker.Id}");
        return ExitCodes.Ok;
    }
}
