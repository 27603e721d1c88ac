using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaBroker.Client.Hosting;
using MediaBroker.Client.State;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Polly.CircuitBreaker;
using Spectre.Console;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client status</c>: where each file is, with live progress from the brokers.</summary>
public static class StatusCommand
{
    /// <summary>One line of the answer: the client's record and, when a broker answered, its item.</summary>
    public sealed record FileState(TrackedFile? File, Item? Item, string? Broker);

    public static Command Create()
    {
        var ids = ItemIdsArgument("items to show (default: every file still on its way)", ArgumentArity.ZeroOrMore);
        var all = new Option<bool>("--all") { Description = "show finished files too" };
        var json = new Option<bool>("--json") { Description = "print JSON for scripts" };
        var config = ConfigOption();
        var command = new Command("status", "Show where files are: waiting, on a broker (with its progress), done, failed.") { ids, all, json, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, ResolveItemIds(context, parse.GetValue(ids) ?? []), parse.GetValue(all), parse.GetValue(json), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, Guid[] ids, bool all, bool json, CancellationToken cancellationToken)
    {
        await context.Brokers.RefreshAsync(cancellationToken);
        var states = ids.Length > 0
            ? await ByIdsAsync(context, ids, cancellationToken)
            : [
                .. await WithLiveItemsAsync(context, context.Database.All().Where(file => all || file.IsPending).OrderBy(file => file.CreatedAt).ToList(), cancellationToken),
                .. await LinksAsync(context, all, cancellationToken),
            ];

        if (json) Console.WriteLine(JsonSerializer.Serialize(states, WireJson.Indented));
        else Print(states);
        foreach (var line in AwayBrokers.Describe(context.Brokers.All, context.Database.All())) Cli.Warn(line);
        return ids.Length > 0 && states.Any(state => state.File is null && state.Item is null) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static async Task<List<FileState>> ByIdsAsync(ClientContext context, Guid[] ids, CancellationToken cancellationToken)
    {
        var states = new List<FileState>();
        foreach (var id in ids)
        {
            var file = context.Database.FindByItem(id);
            var candidates = file?.ServerId is { } server ? context.Brokers.All.Where(broker => broker.Id == server) : context.Brokers.All;
            Item? item = null;
            string? holder = null;
            foreach (var broker in candidates.Where(broker => broker.IsUp))
            {
                try
                {
                    item = await broker.CallAsync(ct => broker.Api.GetItemAsync(id, ct), TimeSpan.FromSeconds(15), cancellationToken);
                    holder = broker.Id;
                    break;
                }
                catch (Exception error) when (error is BrokerRejectedException or BrokerUnavailableException or BrokenCircuitException) { }
            }
            if (file is null && item is null) Cli.Fail($"item {id}: no configured broker that answers knows it");
            states.Add(new FileState(file, item, holder ?? file?.ServerId));
        }
        return states;
    }

    private static async Task<List<FileState>> WithLiveItemsAsync(ClientContext context, List<TrackedFile> files, CancellationToken cancellationToken)
    {
        var live = new Dictionary<Guid, Item>();
        foreach (var group in files.Where(file => file.ItemId is not null && file.Status is FileStatus.Converting or FileStatus.Downloading).GroupBy(file => file.ServerId))
        {
            if (context.Brokers.Get(group.Key) is not { IsUp: true } broker) continue;
            try
            {
                var page = await broker.CallAsync(ct => broker.Api.ListAsync(new Dictionary<string, string?> { ["ids"] = string.Join(',', group.Select(file => file.ItemId)) }, ct),
                    TimeSpan.FromSeconds(15), cancellationToken);
                foreach (var item in page.Items) live[item.ItemId] = item;
            }
            catch (Exception error) when (error is BrokerRejectedException or BrokerUnavailableException or BrokenCircuitException) { }
        }
        return files.Select(file => new FileState(file, file.ItemId is { } id ? live.GetValueOrDefault(id) : null, file.ServerId)).ToList();
    }

    /// <summary>
    /// Links this client handed in (<c>media-client add-url</c>): the brokers fetch and keep them, so they are in no
    /// watched folder and not in the client's database; each broker that is up is asked for this client's. Finished
    /// ones only with --all, the newest <see cref="LinksPerState"/> of each state.
    /// </summary>
    private static async Task<List<FileState>> LinksAsync(ClientContext context, bool all, CancellationToken cancellationToken)
    {
        ItemStatus[] states = all
            ? [ItemStatus.ToDo, ItemStatus.InProgress, ItemStatus.FinishedSuccessful, ItemStatus.FinishedWithErrors]
            : [ItemStatus.ToDo, ItemStatus.InProgress];
        var links = new List<FileState>();
        foreach (var broker in context.Brokers.All.Where(broker => broker.IsUp))
        {
            try
            {
                foreach (var state in states)
                {
                    var query = new Dictionary<string, string?>
                    {
                        ["client_id"] = context.Settings.EffectiveClientId, ["status"] = state.WireName(), ["order"] = "newest",
                        ["limit"] = LinksPerState.ToString(CultureInfo.InvariantCulture),
                    };
                    var page = await broker.CallAsync(ct => broker.Api.ListAsync(query, ct), TimeSpan.FromSeconds(15), cancellationToken);
                    links.AddRange(page.Items.Where(item => item.Source is not null && context.Database.FindByItem(item.ItemId) is null)
                        .Select(item => new FileState(null, item, broker.Id)));
                }
            }
            catch (Exception error) when (error is BrokerRejectedException or BrokerUnavailableException or BrokenCircuitException) { }
        }
        return links.OrderBy(link => link.Item!.CreatedAt).ToList();
    }

    private const int LinksPerState = 100;

    private static void Print(List<FileState> states)
    {
        if (states.Count == 0)
        {
            Console.WriteLine("nothing on its way (media-client status --all shows finished files too)");
            return;
        }
        var table = new Table().AddColumns("file", "status", "broker", "item", "in", "out", "saved", "time on the broker", "detail");
        foreach (var state in states)
            table.AddRow(Markup.Escape(state.File?.Path ?? state.Item?.Source?.Url ?? state.Item?.OriginalFileName ?? "?"), Markup.Escape(Describe(state)),
                Markup.Escape(state.Broker ?? ""), ShownId(state),
                Words.Bytes(InputSize(state)), OutputSize(state) is { } output ? Words.Bytes(output) : "", SpaceSaved.Of(InputSize(state), OutputSize(state)),
                Markup.Escape(TimeOnBroker(state.Item?.Timings)), Markup.Escape(Detail(state)));
        Terminal.Out.Write(table);
        Console.WriteLine(SpaceSaved.Total(states.Select(state => (InputSize(state), OutputSize(state)))));
    }

    /// <summary>A short id picks the item again among this client's files; a link's item is not one of them, so it shows whole.</summary>
    private static string ShownId(FileState state) =>
        (state.Item?.ItemId ?? state.File?.ItemId) is not { } id ? "" : state.File is null ? id.ToString() : ItemIdPrefix.Short(id);

    private static long InputSize(FileState state) => state.File?.FileSize ?? state.Item?.FileSize ?? 0;

    /// <summary>The output the broker made or, once placed, the file in the library (finished files are not asked about).</summary>
    private static long? OutputSize(FileState state) =>
        state.Item?.Output?.FileSize
        ?? (state.File is { Status: FileStatus.Done, OutputPath: { } placed } && File.Exists(placed) ? new FileInfo(placed).Length : null);

    /// <summary>
    /// One set of words for where a file is (the README lists them): the broker's own states while it has the file,
    /// the client's before and after it.
    /// </summary>
    private static string Describe(FileState state) => state.File?.Status switch
    {
        FileStatus.Waiting => "waiting",
        FileStatus.Ready => "ready",
        FileStatus.Uploading => "uploading",
        FileStatus.Downloading => "downloading",
        FileStatus.Done => "placed",
        FileStatus.Failed => ItemStatus.FinishedWithErrors.WireName(),
        FileStatus.Refused => "refused",
        FileStatus.Skipped => "skipped",
        // Handed over (or not this client's): what the broker says, or that it did not answer.
        _ => state.Item is { } item ? OnTheBroker(item) : state.File is null ? "unknown" : "on_broker",
    };

    private static string OnTheBroker(Item item) =>
        item.Status == ItemStatus.InProgress && item.Progress is { } progress
            ? $"{item.Status.WireName()} {progress.ToString("P0", CultureInfo.InvariantCulture)}"
            : item.IsAwaitingInput() ? Downloading(item.Download)
            : item.Status.WireName();

    /// <summary>A link the broker fetches: "downloading 40% (4.1 MB of 10 MB)", or the bytes so far while the size is unknown.</summary>
    private static string Downloading(ItemDownload? download) => download switch
    {
        null => "waiting to download",
        { TotalBytes: > 0 and var total } => $"downloading {((double)download.Bytes / total).ToString("P0", CultureInfo.InvariantCulture)} "
            + $"({Words.Bytes(download.Bytes)} of {Words.Bytes(total)})",
        _ => $"downloading ({Words.Bytes(download.Bytes)})",
    };

    /// <summary>Where the broker's time went, phase by phase: "received 1.2 s, probed 0.1 s, waited 3 s, converted 12 s, verified 0.4 s".</summary>
    public static string TimeOnBroker(ItemTimings? timings)
    {
        if (timings is null) return "";
        var phases = new (string Name, double? Seconds)[]
        {
            ("received", timings.ReceivingSeconds), ("hashed", timings.HashingSeconds), ("probed", timings.ProbingSeconds),
            ("waited", timings.WaitingSeconds), ("converted", timings.ConvertingSeconds), ("verified", timings.VerifyingSeconds),
            ("fetched after", timings.WaitingToBeFetchedSeconds),
        };
        return string.Join(", ", phases.Where(phase => phase.Seconds is not null)
            .Select(phase => $"{phase.Name} {Seconds(phase.Seconds!.Value)}"));
    }

    private static string Seconds(double seconds) => seconds switch
    {
        < 10 => $"{seconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
        < 120 => $"{seconds.ToString("0", CultureInfo.InvariantCulture)} s",
        < 7200 => $"{(seconds / 60).ToString("0", CultureInfo.InvariantCulture)} min",
        _ => $"{(seconds / 3600).ToString("0.0", CultureInfo.InvariantCulture)} h",
    };

    private static string Detail(FileState state) =>
        state.File?.Status == FileStatus.Done ? state.File.OutputPath ?? ""
        : state.Item?.Errors.FirstOrDefault() ?? state.File?.Errors.FirstOrDefault()
        ?? InLibrary(state.Item?.Library)
        ?? ((state.Item?.Download?.EtaSeconds ?? state.Item?.EtaSeconds) is { } eta ? $"about {eta.ToString("0", CultureInfo.InvariantCulture)} s left" : "");

    /// <summary>Where the broker placed the output in its library (library_path), or why it could not.</summary>
    private static string? InLibrary(ItemLibrary? library) => library switch
    {
        { Problem: { } problem } => $"not placed in the library: {problem}",
        { Path: { } path } => $"library: {path}",
        _ => null,
    };
}
