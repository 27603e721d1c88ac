using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Json;
using Spectre.Console;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client servers</c>: each configured broker, up or away, what it converts, how busy and full it is.</summary>
public static class ServersCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print JSON for scripts" };
        var config = ConfigOption();
        var command = new Command("servers", "Show each configured broker: up or away, supported types, queue depth, free space.") { json, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, parse.GetValue(json), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, bool json, CancellationToken cancellationToken)
    {
        await context.Brokers.RefreshAsync(cancellationToken);
        var brokers = context.Brokers.All.OrderBy(broker => broker.Id, StringComparer.Ordinal).ToList();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(brokers.Select(broker => new
            {
                broker.Id, broker.Entry.Url, Up = broker.IsUp, broker.TokenRefused, Problem = broker.LastProblem, Server = broker.Info,
            }), WireJson.Indented));
            return NoneUp(brokers);
        }
        var table = new Table().AddColumns("id", "url", "state", "media types", "to do", "converting", "free");
        foreach (var broker in brokers)
        {
            var info = broker.Info;
            table.AddRow(Markup.Escape(broker.Id), Markup.Escape(broker.Entry.Url),
                broker.IsUp ? "[green]up[/]"
                : broker.TokenRefused ? $"[red]token refused[/] (check its token in client.json) {Markup.Escape(broker.LastProblem ?? "")}"
                : $"[red]away[/] {Markup.Escape(broker.LastProblem ?? "")}",
                info is null ? "" : string.Join(", ", info.ListOfSupportedMediaTypes),
                info?.Queue.ToDo.ToString(CultureInfo.InvariantCulture) ?? "", info?.Queue.InProgress.ToString(CultureInfo.InvariantCulture) ?? "",
                info is null ? "" : $"{info.FreeBytes / 1e9:0.0} GB");
        }
        Terminal.Out.Write(table);
        return NoneUp(brokers);
    }

    /// <summary>For scripts and monitoring: non-zero when no broker answered, so that nothing can be handed over.</summary>
    private static int NoneUp(List<BrokerConnection> brokers) => brokers switch
    {
        [] => Cli.Fail("no broker is configured (list_of_servers in client.json)"),
        _ when brokers.Any(broker => broker.IsUp) => ExitCodes.Ok,
        [var only] => Cli.Fail($"broker {only.Id} did not answer"),
        _ => Cli.Fail($"none of the {brokers.Count} configured brokers answered"),
    };
}
