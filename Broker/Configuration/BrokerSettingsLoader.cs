using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.Configuration;

/// <summary>What the command line may set over broker.json.</summary>
public sealed record BrokerOverrides(string? DataPath = null, int? Port = null, string? ListenAddress = null, bool AllowAnonymous = false);

/// <summary>Builds the settings a broker starts with: defaults, then broker.json, then the command line; then validates.</summary>
public static class BrokerSettingsLoader
{
    public const string DefaultFileName = "broker.json";

    /// <param name="configPath">An explicit --config (must exist), or null to use ./broker.json when present.</param>
    public static BrokerSettings Load(string? configPath, BrokerOverrides overrides)
    {
        var path = configPath ?? (File.Exists(DefaultFileName) ? DefaultFileName : null);
        if (configPath is not null && !File.Exists(configPath))
            throw new ConfigurationException($"{configPath}: no such file (see broker.json.example)");

        var settings = path is null ? new BrokerSettings() : JsonConfigFile.Read<BrokerSettings>(path);
        settings = MergeWithDefaults(settings);
        // Relative paths in a file mean "beside this file"; on the command line they mean "from here".
        var fileFolder = path is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(path))!;
        settings = settings with
        {
            DataPath = overrides.DataPath is { } data ? Path.GetFullPath(data) : Path.GetFullPath(settings.DataPath, fileFolder),
            LibraryPath = string.IsNullOrWhiteSpace(settings.LibraryPath) ? null : Path.GetFullPath(settings.LibraryPath, fileFolder),
            ListenOnPort = overrides.Port ?? settings.ListenOnPort,
            ListenAddress = overrides.ListenAddress ?? settings.ListenAddress,
            AllowAnonymous = overrides.AllowAnonymous || settings.AllowAnonymous,
        };

        var problems = BrokerSettingsValidator.Validate(settings);
        if (problems.Count > 0)
            throw new ConfigurationException(problems.Select(problem => $"{path ?? "settings"}: {problem}").ToList());
        return settings;
    }

    /// <summary>broker.json adds to or replaces single conversion types; the others keep their defaults.</summary>
    public static BrokerSettings MergeWithDefaults(BrokerSettings settings)
    {
        var profiles = new Dictionary<string, ConversionProfile>(DefaultConversionProfiles.All, StringComparer.Ordinal);
        foreach (var (name, profile) in settings.ConversionTypes)
            profiles[name] = profile;
        var defaults = new Dictionary<string, string>(DefaultConversionProfiles.DefaultForMediaType, StringComparer.Ordinal);
        foreach (var (mediaType, name) in settings.DefaultConversionTypes)
            defaults[mediaType] = name;
        return settings with { ConversionTypes = profiles, DefaultConversionTypes = defaults };
    }
}
