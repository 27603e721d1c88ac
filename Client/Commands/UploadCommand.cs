using System.CommandLine;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Hosting;
using MediaBroker.Client.State;
using MediaBroker.Client.Transfers;
using MediaBroker.Client.Watching;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Hashing;
using Spectre.Console;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary><c>media-client upload FILE...</c>: hands files to a broker now, with a progress bar, and prints their item ids.</summary>
public static class UploadCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE") { Description = "the media files to convert", Arity = ArgumentArity.OneOrMore };
        var type = new Option<string?>("--type") { Description = "conversion type, e.g. mkv_x265 or webp (default: the broker's default for the media type)" };
        var server = new Option<string?>("--server") { Description = "id of the broker to use (default: the least loaded one that is up)" };
        var config = ConfigOption();
        var command = new Command("upload", "Hand files to a broker now; their outputs are fetched by sync or watch (beside each file).") { files, type, server, config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: false, verbose: false,
            context => RunAsync(context, parse.GetValue(files)!, parse.GetValue(type), parse.GetValue(server), cancellationToken), changesState: true));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, string[] paths, string? conversionType, string? serverId, CancellationToken cancellationToken)
    {
        if (serverId is not null && context.Brokers.Get(serverId) is null)
            return Cli.Fail($"--server '{serverId}' is not in list_of_servers ({string.Join(", ", context.Brokers.All.Select(broker => broker.Id))})", ExitCodes.BadUsage);
        await context.Brokers.RefreshAsync(cancellationToken);
        var exitCode = ExitCodes.Ok;
        foreach (var path in paths.Select(Path.GetFullPath))
        {
            var problem = await UploadOneAsync(context, path, conversionType, serverId, cancellationToken);
            if (problem is not null) exitCode = Cli.Fail($"{path}: {problem}");
        }
        await context.Database.SaveAsync(cancellationToken);
        return exitCode;
    }

    /// <returns>Null when the file was handed over, else why not.</returns>
    private static async Task<string?> UploadOneAsync(ClientContext context, string path, string? conversionType, string? serverId, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) return "no such file";
        if (MediaKinds.Of(path) is not { } mediaType) return "the file name does not say audio, image or video (a known extension such as .mp4, .png or .mp3 is needed)";
        BrokerConnection? broker = serverId is not null ? context.Brokers.Get(serverId) : context.Brokers.Choose(mediaType, conversionType);
        if (broker is null || !broker.IsUp)
            return serverId is not null ? $"broker {serverId} is not answering ({broker?.LastProblem})" : $"no broker that converts {mediaType} is answering (see media-client servers)";
        var type = conversionType ?? broker.Info!.DefaultConversionTypes.GetValueOrDefault(mediaType);
        if (type is null) return $"broker {broker.Id} has no default conversion type for {mediaType}; name one with --type";

        var info = new FileInfo(path);
        var sha512 = await Sha512Hex.OfFileAsync(path, cancellationToken);
        var metadata = new Dictionary<string, string>
        {
            ["filename"] = info.Name, ["conversion_type"] = type, ["sha512"] = sha512, ["client_id"] = context.Settings.EffectiveClientId,
        };
        var uploader = new TusUploader(broker.Http, context.Settings.ChunkSizeMib << 20, context.Time);
        UploadResult? result = null;
        await Terminal.ShowProgressAsync($"{info.Name} -> {broker.Id}", info.Length, async report =>
            result = await uploader.UploadAsync(path, null, metadata, null, report, cancellationToken));

        var now = context.Time.GetUtcNow();
        // One transaction per file, beside a watcher if one runs: it follows the item from its next pass.
        await context.Database.ChangeAsync(database => database.Put(new TrackedFile
        {
            Version = database.Get(path)?.Version ?? 0,
            Path = path, CreatedAt = now, Status = FileStatus.Converting, ServerId = broker.Id, ItemId = result!.ItemId, Manual = true,
            Sha512Checksum = sha512, FileSize = info.Length, ModifiedAt = new DateTimeOffset(info.LastWriteTimeUtc), SeenUnchangedSince = now,
            MediaType = mediaType, ConversionType = type, LastCheckedAt = now,
        }), cancellationToken);
        Console.WriteLine($"{path}: item {result!.ItemId} on {broker.Id} ({type})");
        return null;
    }
}
