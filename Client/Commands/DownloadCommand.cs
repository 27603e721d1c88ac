using System.CommandLine;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.Hosting;
using MediaBroker.Client.Sync;
using MediaBroker.Client.Transfers;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using Polly.CircuitBreaker;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client download ITEM_ID</c>: fetches an output, resuming an earlier attempt, verified by sha512.</summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var id = ItemIdsArgument("the item whose output to fetch", ArgumentArity.ExactlyOne);
        var output = new Option<string?>("--output", "-o") { Description = "file or folder to write to (default: the output's name, here)" };
        var config = ConfigOption();
        var command = new Command("download", "Fetch an item's output; an interrupted download resumes where it stopped, and the file is kept only if its sha512 matches.") { id, output, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, ResolveItemIds(context, parse.GetValue(id)!).Single(), parse.GetValue(output), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, Guid id, string? output, CancellationToken cancellationToken)
    {
        await context.Brokers.RefreshAsync(cancellationToken);
        var (broker, item) = await FindAsync(context, id, cancellationToken);
        if (broker is null || item is null) return Cli.Fail($"item {id}: no configured broker that answers knows it (see media-client servers)");
        if (item.Status != ItemStatus.FinishedSuccessful || item.Output is null)
            return Cli.Fail($"item {id} is {item.Status.WireName()}; its output is ready once it is finished_successful"
                + (item.Errors.Count > 0 ? $" ({item.Errors[0]})" : ""));

        // The name comes from the broker: taken as one file name, never as a path (a "../" in it goes nowhere).
        var name = FileNames.SafeSegment(item.Output.FileName);
        var target = Path.GetFullPath(output is null ? name : Directory.Exists(output) ? Path.Combine(output, name) : output);
        if (File.Exists(target)) return Cli.Fail($"{target} exists; it is not overwritten (choose another with -o)");
        context.Files.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = OutputPlacement.PartialFor(target, id);
        await Terminal.ShowProgressAsync(item.Output.FileName, item.Output.FileSize, async report =>
            await new OutputDownloader(broker.Http, context.Files, TimeSpan.FromSeconds(60), context.Time).DownloadAsync(item, partial, report, cancellationToken));
        var placed = context.Placement.MoveIntoPlace(partial, target, OutputCollision.Skip);
        if (placed is null) return Cli.Fail($"{target} appeared meanwhile; it is not overwritten");
        Console.WriteLine($"{placed} ({item.Output.FileSize} bytes, sha512 verified)");
        return ExitCodes.Ok;
    }

    public static async Task<(BrokerConnection? Broker, Item? Item)> FindAsync(ClientContext context, Guid id, CancellationToken cancellationToken)
    {
        var recorded = context.Database.FindByItem(id)?.ServerId;
        foreach (var broker in context.Brokers.All.Where(broker => broker.IsUp).OrderBy(broker => broker.Id == recorded ? 0 : 1))
        {
            try
            {
                return (broker, await broker.CallAsync(ct => broker.Api.GetItemAsync(id, ct), TimeSpan.FromSeconds(15), cancellationToken));
            }
            catch (Exception error) when (error is BrokerRejectedException or BrokerUnavailableException or BrokenCircuitException) { }
        }
        return (null, null);
    }
}
