using System.Globalization;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Client.Configuration;

/// <summary>Reads client.json (default ./client.json, or none), resolves relative paths beside it, and validates: one line per mistake.</summary>
public static class ClientSettingsLoader
{
    public const string DefaultFileName = "client.json";

    public static ClientSettings Load(string? configPath)
    {
        if (configPath is not null && !File.Exists(configPath))
            throw new ConfigurationException($"{configPath}: no such file (see client.json.example)");
        var path = configPath ?? (File.Exists(DefaultFileName) ? DefaultFileName : null);
        var settings = path is null ? new ClientSettings() : JsonConfigFile.Read<ClientSettings>(path);
        var folder = path is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(path))!;
        settings = Resolve(settings, folder);
        var problems = Validate(settings);
        if (problems.Count > 0)
            throw new ConfigurationException(problems.Select(problem => $"{path ?? "settings"}: {problem}").ToList());
        return settings;
    }

    private static ClientSettings Resolve(ClientSettings settings, string folder)
    {
        string Full(string value) => value.Length == 0 ? value : Path.GetFullPath(value, folder);
        return settings with
        {
            StatePath = Full(settings.StatePath),
            ListOfPathsToObserve = settings.ListOfPathsToObserve.Select(observed => observed with
            {
                Path = Full(observed.Path),
                OutputPath = observed.OutputPath is { } output ? Full(output) : null,
                MoveSourceTo = observed.MoveSourceTo is { } move ? Full(move) : null,
            }).ToList(),
        };
    }

    public static IReadOnlyList<string> Validate(ClientSettings settings)
    {
        var problems = new List<string>();
        void Fail(string key, string message) => problems.Add($"{key}: {message}");

        if (string.IsNullOrWhiteSpace(settings.StatePath)) Fail("state_path", "must name a folder");
        if (!(settings.PollIntervalSeconds > 0)) Fail("poll_interval_seconds", "must be a positive number");
        if (!(settings.RescanIntervalSeconds > 0)) Fail("rescan_interval_seconds", "must be a positive number");
        if (!(settings.StableAfterSeconds >= 0)) Fail("stable_after_seconds", "must be zero or more");
        if (!(settings.FailoverAfterMinutes > 0)) Fail("failover_after_minutes", "must be a positive number");
        if (!(settings.BrokerRetryMaxSeconds >= 1)) Fail("broker_retry_max_seconds", "must be at least 1");
        if (settings.ChunkSizeMib is < 1 or > 1024) Fail("chunk_size_mib", "must be between 1 and 1024");
        if (settings.ParallelTransfers is < 1 or > 32) Fail("parallel_transfers", "must be between 1 and 32");
        if (settings.ClientId is { } clientId && !ClientIds.IsValid(clientId))
            Fail("client_id", ClientIds.Rule);

        if (settings.ListOfServers.Count == 0) Fail("list_of_servers", "must list at least one broker");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < settings.ListOfServers.Count; i++)
        {
            var server = settings.ListOfServers[i];
            var key = $"list_of_servers[{Index(i)}]";
            if (string.IsNullOrWhiteSpace(server.Id)) Fail($"{key}.id", "must name the broker");
            else if (!ids.Add(server.Id)) Fail($"{key}.id", $"'{server.Id}' is used twice");
            if (!Uri.TryCreate(server.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                Fail($"{key}.url", $"'{server.Url}' is not an http:// or https:// address");
            CheckMediaTypes($"{key}.list_of_supported_media_types", server.ListOfSupportedMediaTypes, Fail);
        }

        for (var i = 0; i < settings.ListOfPathsToObserve.Count; i++)
        {
            var observed = settings.ListOfPathsToObserve[i];
            var key = $"list_of_paths_to_observe[{Index(i)}]";
            if (observed.Path.Length == 0) Fail($"{key}.path", "must name a folder to watch");
            CheckMediaTypes($"{key}.observed_media_types", observed.ObservedMediaTypes, Fail);
            foreach (var (mediaType, conversionType) in observed.ConversionTypes)
            {
                if (!MediaTypes.IsKnown(mediaType)) Fail($"{key}.conversion_types", $"'{mediaType}' is not a media type (use audio, image or video)");
                else if (string.IsNullOrWhiteSpace(conversionType)) Fail($"{key}.conversion_types.{mediaType}", "must name a conversion type");
            }
            if (observed.WhenOutputExists is not (OutputCollision.Skip or OutputCollision.Number))
                Fail($"{key}.when_output_exists", $"'{observed.WhenOutputExists}' is not skip or number");
            if (observed.AfterSuccess is not (SourceAfterSuccess.Keep or SourceAfterSuccess.Delete or SourceAfterSuccess.Move))
                Fail($"{key}.after_success", $"'{observed.AfterSuccess}' is not keep, delete or move");
            else if (observed.AfterSuccess == SourceAfterSuccess.Move && string.IsNullOrWhiteSpace(observed.MoveSourceTo))
                Fail($"{key}.move_source_to", "after_success is move, so this must name the folder to move sources to");
        }
        return problems;
    }

    private static void CheckMediaTypes(string key, List<string> mediaTypes, Action<string, string> fail)
    {
        if (mediaTypes.Count == 0) fail(key, "must list at least one of audio, image, video");
        foreach (var mediaType in mediaTypes.Where(type => !MediaTypes.IsKnown(type)))
            fail(key, $"'{mediaType}' is not a media type (use audio, image or video)");
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
