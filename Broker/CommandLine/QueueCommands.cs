using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Shared.Transfers;
using Spectre.Console;

namespace MediaBroker.Broker.CommandLine;

/// <summary>The seed's broker commands, <c>queue add</c> and <c>queue list</c>, talking to a running broker over HTTP.</summary>
public static class QueueCommands
{
    private static readonly CliReporter Cli = new("media-broker");

    public static Command Create()
    {
        var queue = new Command("queue", "Add files to a running broker's queue, or list what it holds.");
        queue.Add(CreateAdd());
        queue.Add(CreateList());
        queue.Add(CreateLink());
        return queue;
    }

    private static Option<string?> ConfigOption() => new("--config") { Description = "broker.json whose address to use (default: ./broker.json when present)" };

    public const string TokenVariable = "MEDIABROKER_TOKEN";

    private static Option<string?> TokenOption() => new("--token")
    {
        Description = $"token to send (default: the {TokenVariable} environment variable, which other users cannot see in `ps` as they can this option; "
            + "none is needed on this machine while the broker has no tokens)",
    };

    private static Option<string?> UrlOption() => new("--url") { Description = "broker address, e.g. http://127.0.0.1:5000 (default: from broker.json)" };

    private static Command CreateAdd()
    {
        var file = new Argument<string>("FILE") { Description = "the media file to convert" };
        var type = new Option<string?>("--type") { Description = "conversion type, e.g. mkv_x265 or webp (default: the broker's default for the file's media type)" };
        var clientId = new Option<string?>("--client-id") { Description = "owner recorded on the item (default: local)" };
        var json = new Option<bool>("--json") { Description = "print the item as JSON" };
        var config = ConfigOption();
        var url = UrlOption();
        var token = TokenOption();
        var command = new Command("add", "Upload FILE to the broker and queue it for conversion.") { file, type, clientId, json, config, url, token };
        command.SetAction((parse, cancellationToken) => AddAsync(parse.GetValue(file)!, parse.GetValue(type), parse.GetValue(clientId),
            parse.GetValue(json), new BrokerAddress(parse.GetValue(config), parse.GetValue(url), parse.GetValue(token)), cancellationToken));
        return command;
    }

    private static Command CreateList()
    {
        var status = new Option<string?>("--status") { Description = "only items in this state: to_do, in_progress, finished_successful, finished_with_errors" };
        var clientId = new Option<string?>("--client-id") { Description = "only items of this client" };
        var limit = new Option<int>("--limit") { Description = "at most this many items", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var config = ConfigOption();
        var url = UrlOption();
        var token = TokenOption();
        var command = new Command("list", "List the broker's items, oldest first.") { status, clientId, limit, json, config, url, token };
        command.SetAction((parse, cancellationToken) => ListAsync(parse.GetValue(status), parse.GetValue(clientId), parse.GetValue(limit),
            parse.GetValue(json), new BrokerAddress(parse.GetValue(config), parse.GetValue(url), parse.GetValue(token)), cancellationToken));
        return command;
    }

    private static Command CreateLink()
    {
        var item = new Argument<string>("ITEM_ID")
        {
            Description = $"the item whose output the link fetches: a whole id or a unique start of one (at least {ItemIdPrefix.MinimumLength} hex digits, as queue list prints them)",
        };
        var expiresIn = new Option<int?>("--expires-in") { Description = "seconds the link works (default 86400: a day; at most 30 days)" };
        var config = ConfigOption();
        var url = UrlOption();
        var token = TokenOption();
        var command = new Command("link", "Print a signed URL that fetches an item's output without a token (wget, a browser, a media player).")
        {
            item, expiresIn, config, url, token,
        };
        command.SetAction((parse, cancellationToken) => LinkAsync(parse.GetValue(item)!, parse.GetValue(expiresIn),
            new BrokerAddress(parse.GetValue(config), parse.GetValue(url), parse.GetValue(token)), cancellationToken));
        return command;
    }

    /// <summary>Where the broker is and what to show it: --url or broker.json, and --token or MEDIABROKER_TOKEN.</summary>
    private sealed record BrokerAddress(string? ConfigPath, string? Url, string? Token);

    private static Task<int> LinkAsync(string typedId, int? expiresIn, BrokerAddress address, CancellationToken cancellationToken) =>
        WithBrokerAsync(address, async broker =>
        {
            var itemId = await ResolveAsync(broker, typedId, cancellationToken);
            var link = await broker.CreateLinkAsync(itemId, expiresIn, cancellationToken);
            Console.WriteLine(link.Url);
            Console.Error.WriteLine($"works until {link.ExpiresAt.ToLocalTime():yyyy-MM-dd HH:mm}");
            return ExitCodes.Ok;
        });

    private static async Task<int> AddAsync(string path, string? type, string? clientId, bool json, BrokerAddress address, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return Cli.Fail($"no such file: {path}", ExitCodes.BadUsage);
        return await WithBrokerAsync(address, async broker =>
        {
            var length = new FileInfo(path).Length;
            var sha512 = await Sha512Hex.OfFileAsync(path, cancellationToken);
            (Item Item, bool Created)? uploaded = null;
            await Terminal.ShowProgressAsync($"uploading {Path.GetFileName(path)}", length, async report =>
            {
                await using var file = Sha512Hex.OpenSequential(path);
                await using var counted = new ProgressReadStream(file, report, leaveOpen: true);
                uploaded = await broker.UploadAsync(counted, Path.GetFileName(path), type, sha512, clientId, cancellationToken);
            });
            var result = uploaded!.Value;
            if (json) Console.WriteLine(JsonSerializer.Serialize(result.Item, WireJson.Indented));
            else Console.WriteLine(result.Created
                ? $"queued {result.Item.ItemId} ({result.Item.ConversionType}, {result.Item.Status.WireName()})"
                : $"already on the broker: {result.Item.ItemId} ({result.Item.ConversionType}, {result.Item.Status.WireName()})");
            return ExitCodes.Ok;
        });
    }

    private static async Task<int> ListAsync(string? status, string? clientId, int limit, bool json, BrokerAddress address, CancellationToken cancellationToken)
    {
        if (status is not null && !ItemStatuses.TryParse(status, out _))
            return Cli.Fail($"--status '{status}' is not one of to_do, in_progress, finished_successful, finished_with_errors", ExitCodes.BadUsage);
        return await WithBrokerAsync(address, async broker =>
        {
            var page = await broker.ListAsync(new Dictionary<string, string?>
            {
                ["status"] = status, ["client_id"] = clientId, ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
            }, cancellationToken);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(page, WireJson.Indented));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("item_id", "status", "progress", "conversion", "file", "in", "out", "saved", "created");
            foreach (var item in page.Items)
                table.AddRow(ItemIdPrefix.Short(item.ItemId), item.Status.WireName(),
                    item.Progress is { } progress ? progress.ToString("P0", CultureInfo.InvariantCulture) : "",
                    item.ConversionType, Markup.Escape(item.OriginalFileName), Words.Bytes(item.FileSize),
                    item.Output is { } output ? Words.Bytes(output.FileSize) : "", SpaceSaved.Of(item.FileSize, item.Output?.FileSize),
                    item.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            Terminal.Out.Write(table);
            Console.WriteLine($"{Words.Count(page.Items.Count, "item")}{(page.NextAfter is { } next ? $"; more after {next}" : "")}");
            Console.WriteLine(SpaceSaved.Total(page.Items.Select(item => (item.FileSize, item.Output?.FileSize))));
            return ExitCodes.Ok;
        });
    }

    /// <summary>
    /// A whole id as it is; a start of one among the items this token sees, page by page. The API itself takes whole
    /// ids only, so that a request means the same item tomorrow, when a new item may share today's unique start.
    /// </summary>
    private static async Task<Guid> ResolveAsync(BrokerApiClient broker, string typed, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(typed, out var whole)) return whole;
        if (ItemIdPrefix.Normalize(typed) is null) return ItemIdPrefix.Resolve(typed, []); // the one-line "not an item id"
        var ids = new List<Guid>();
        Guid? after = null;
        do
        {
            var page = await broker.ListAsync(new Dictionary<string, string?>
            {
                ["limit"] = ItemQuery.MaxLimit.ToString(CultureInfo.InvariantCulture), ["after"] = after?.ToString(),
            }, cancellationToken);
            ids.AddRange(page.Items.Select(item => item.ItemId));
            after = page.NextAfter;
        }
        while (after is not null);
        return ItemIdPrefix.Resolve(typed, ids);
    }

    private static async Task<int> WithBrokerAsync(BrokerAddress broker, Func<BrokerApiClient, Task<int>> action)
    {
        Uri address;
        try
        {
            address = broker.Url is not null ? ParseUrl(broker.Url) : AddressOf(BrokerSettingsLoader.Load(broker.ConfigPath, new BrokerOverrides()));
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
        using var http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        var token = broker.Token ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (!string.IsNullOrWhiteSpace(token))
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Trim());
        try
        {
            return await action(new BrokerApiClient(http));
        }
        catch (BrokerUnavailableException error)
        {
            return Cli.Fail($"{error.Message}; is `media-broker serve` running?");
        }
        catch (ItemIdException error)
        {
            return Cli.Fail(error.Message);
        }
        catch (BrokerRejectedException error)
        {
            var hint = error.Status == System.Net.HttpStatusCode.Unauthorized ? $"; pass --token or set {TokenVariable}" : "";
            return Cli.Fail($"the broker refused: {error.Detail} ({(int)error.Status} {error.Title}){hint}");
        }
    }

    private static Uri ParseUrl(string url) =>
        Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ConfigurationException($"--url: '{url}' is not an http:// or https:// address");

    private static Uri AddressOf(BrokerSettings settings)
    {
        var host = settings.ListenAddress is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : settings.ListenAddress;
        if (host.Contains(':')) host = $"[{host}]";
        return new Uri($"http://{host}:{settings.ListenOnPort.ToString(CultureInfo.InvariantCulture)}/");
    }
}
