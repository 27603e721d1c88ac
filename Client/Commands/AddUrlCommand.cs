using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Items;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary>
/// <c>media-client add-url URL</c>: hands a broker a link to fetch and convert itself, and prints the item's id and
/// state. The file never passes through this machine; <c>media-client status ITEM_ID</c> follows it.
/// </summary>
public static class AddUrlCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("URL") { Description = "the http or https link to fetch: a media file, or a page yt-dlp reads" };
        var type = new Option<string?>("--type") { Description = "conversion type, e.g. mkv_x265 (default: the broker's default for video)" };
        var directory = new Option<string?>("--dir") { Description = "library folder for the output, relative to the broker's library_path, e.g. Films/Nature" };
        var server = new Option<string?>("--server") { Description = "id of the broker to use (default: the least loaded one that is up)" };
        var config = ConfigOption();
        var command = new Command("add-url", "Hand a broker a link: it fetches the file itself, then converts it like an upload.") { url, type, directory, server, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, parse.GetValue(url)!, parse.GetValue(type), parse.GetValue(directory), parse.GetValue(server), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, string url, string? conversionType, string? directory, string? serverId, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var link) || (link.Scheme != Uri.UriSchemeHttp && link.Scheme != Uri.UriSchemeHttps))
            return Cli.Fail($"'{url}' is not an http or https link (like https://example.org/clip.mp4)", ExitCodes.BadUsage);
        if (serverId is not null && context.Brokers.Get(serverId) is null)
            return Cli.Fail($"--server '{serverId}' is not in list_of_servers ({string.Join(", ", context.Brokers.All.Select(broker => broker.Id))})", ExitCodes.BadUsage);
        await context.Brokers.RefreshAsync(cancellationToken);
        var broker = serverId is not null ? context.Brokers.Get(serverId) : context.Brokers.Choose(MediaTypes.Video, conversionType)
            ?? context.Brokers.Choose(MediaTypes.Video, null); // none offers that type: one that is up says so, naming what it offers
        if (broker is null || !broker.IsUp)
            return Cli.Fail(serverId is not null ? $"broker {serverId} is not answering ({broker?.LastProblem})" : "no broker that converts video is answering (see media-client servers)");

        var request = new LinkRequest { Url = link.AbsoluteUri, ConversionType = conversionType, Directory = directory, ClientId = context.Settings.EffectiveClientId };
        var (item, created) = await broker.CallAsync(ct => broker.Api.AddLinkAsync(request, ct), TimeSpan.FromSeconds(30), cancellationToken);
        var state = item.Phase is { } phase ? $"{item.Status.WireName()}, {phase}" : item.Status.WireName();
        Console.WriteLine($"{link.AbsoluteUri}: item {item.ItemId} on {broker.Id} ({item.ConversionType}, {state}){(created ? "" : ", handed in before")}");
        return ExitCodes.Ok;
    }
}
