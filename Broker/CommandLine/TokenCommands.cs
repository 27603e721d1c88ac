using System.CommandLine;
using System.Globalization;
using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Json;
using Spectre.Console;

namespace MediaBroker.Broker.CommandLine;

/// <summary>
/// <c>media-broker token add|list|revoke|rotate-link-key</c>: manage who may use the broker, in its data folder. A running
/// broker sees every change at its next request. Run them as the broker's user: the files are readable by their owner only.
/// </summary>
public static class TokenCommands
{
    private static readonly CliReporter Cli = new("media-broker");
    private static readonly IFileSystem Files = new FileSystem();

    public static Command Create()
    {
        var token = new Command("token", "Manage the tokens that let clients and admins use this broker, and the key of signed links.");
        token.Add(CreateAdd());
        token.Add(CreateList());
        token.Add(CreateRevoke());
        token.Add(CreateRotateLinkKey());
        return token;
    }

    private static Option<string?> ConfigOption() => new("--config") { Description = "broker.json whose data_path to use (default: ./broker.json when present)" };

    private static Option<string?> DataOption() => new("--data") { Description = "the broker's data folder (overrides data_path)" };

    private static Command CreateAdd()
    {
        var name = new Argument<string>("NAME") { Description = "who the token is for, e.g. laptop or alice (letters, digits, . _ @ -)" };
        var role = new Option<string>("--role") { Description = "client (its own items only) or admin (everything)", DefaultValueFactory = _ => "client" };
        var clientId = new Option<string?>("--client-id") { Description = "the client_id a client token acts for (default: NAME)" };
        var config = ConfigOption();
        var data = DataOption();
        var command = new Command("add", "Make a new token and print it once; only its hash is kept.") { name, role, clientId, config, data };
        command.SetAction((parse, cancellationToken) => AddAsync(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(clientId),
            parse.GetValue(config), parse.GetValue(data), cancellationToken));
        return command;
    }

    private static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var config = ConfigOption();
        var data = DataOption();
        var command = new Command("list", "List the tokens: name, role, client_id, when made, when last used.") { json, config, data };
        command.SetAction(parse => List(parse.GetValue(json), parse.GetValue(config), parse.GetValue(data)));
        return command;
    }

    private static Command CreateRevoke()
    {
        var name = new Argument<string>("NAME") { Description = "the token to revoke" };
        var config = ConfigOption();
        var data = DataOption();
        var command = new Command("revoke", "Revoke a token: a running broker refuses it from its next request on.") { name, config, data };
        command.SetAction((parse, cancellationToken) => RevokeAsync(parse.GetValue(name)!, parse.GetValue(config), parse.GetValue(data), cancellationToken));
        return command;
    }

    private static Command CreateRotateLinkKey()
    {
        var config = ConfigOption();
        var data = DataOption();
        var command = new Command("rotate-link-key", "Make a new key for signed download links: every link given out so far stops working.") { config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (DataFolderOf(parse.GetValue(config), parse.GetValue(data)) is not { } folder) return ExitCodes.BadUsage;
            await LinkSigner.RotateAsync(folder, Files, cancellationToken);
            Console.WriteLine("a new link key is in place; links made before no longer work");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<int> AddAsync(string name, string role, string? clientId, string? configPath, string? dataPath, CancellationToken cancellationToken)
    {
        if (DataFolderOf(configPath, dataPath) is not { } data) return ExitCodes.BadUsage;
        NewToken made;
        try
        {
            made = await BookOf(data).AddAsync(name, role, clientId, cancellationToken);
        }
        catch (TokenBookException error)
        {
            return Cli.Fail(error.Message, error.IsConflict ? ExitCodes.Failed : ExitCodes.BadUsage);
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
        // The secret alone on stdout, so that TOKEN=$(media-broker token add NAME) works; the rest on stderr.
        Console.Error.WriteLine(made.ClientId is not null
            ? $"token '{name}' (client, acts for client_id {made.ClientId}); shown once, keep it safe:"
            : $"token '{name}' (admin, sees and does everything); shown once, keep it safe:");
        Console.WriteLine(made.Token);
        return ExitCodes.Ok;
    }

    private static int List(bool json, string? configPath, string? dataPath)
    {
        if (DataFolderOf(configPath, dataPath) is not { } data) return ExitCodes.BadUsage;
        IReadOnlyList<TokenListing> rows;
        try
        {
            rows = BookOf(data).List();
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, WireJson.Indented));
            return ExitCodes.Ok;
        }
        if (rows.Count == 0)
        {
            Console.WriteLine("no tokens: the broker serves requests without one, from this machine only (unless it runs with --allow-anonymous); "
                + "add one with `media-broker token add NAME`");
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("name", "role", "client_id", "created", "last used");
        foreach (var row in rows)
            table.AddRow(Markup.Escape(row.Name), row.Role, row.ClientId ?? "(all)", When(row.CreatedAt), row.LastUsedAt is { } last ? When(last) : "never");
        Terminal.Out.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> RevokeAsync(string name, string? configPath, string? dataPath, CancellationToken cancellationToken)
    {
        if (DataFolderOf(configPath, dataPath) is not { } data) return ExitCodes.BadUsage;
        try
        {
            if (!await BookOf(data).RevokeAsync(name, cancellationToken))
                return Cli.Fail($"there is no token named '{name}' (see `media-broker token list`)");
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
        Console.WriteLine($"revoked '{name}'; a running broker refuses it from its next request on");
        return ExitCodes.Ok;
    }

    private static TokenBook BookOf(DataFolder data) => new(data, Files, TimeProvider.System);

    private static DataFolder? DataFolderOf(string? configPath, string? dataPath)
    {
        try
        {
            return new DataFolder(BrokerSettingsLoader.Load(configPath, new BrokerOverrides(DataPath: dataPath)).DataPath, Files);
        }
        catch (ConfigurationException error)
        {
            Cli.Fail(error);
            return null;
        }
    }

    private static string When(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
