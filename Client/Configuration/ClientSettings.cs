using MediaBroker.Shared.Items;

namespace MediaBroker.Client.Configuration;

/// <summary>Everything client.json can set; the seed's names where it has them. Works with no file at all.</summary>
public sealed record ClientSettings
{
    public List<ObservedPath> ListOfPathsToObserve { get; init; } = [];
    public List<ServerEntry> ListOfServers { get; init; } = [new ServerEntry { Id = "local", Url = "http://127.0.0.1:5000" }];
    /// <summary>Where the client keeps its item database and logs. Relative to client.json.</summary>
    public string StatePath { get; init; } = Path.Combine("var", "client");
    /// <summary>Recorded on every item this client hands over (default: this machine's name).</summary>
    public string? ClientId { get; init; }
    public double PollIntervalSeconds { get; init; } = 10;
    public double RescanIntervalSeconds { get; init; } = 60;
    /// <summary>A file is taken once its size and time have not changed for this long.</summary>
    public double StableAfterSeconds { get; init; } = 5;
    /// <summary>An item whose broker stays away this long is sent to another broker.</summary>
    public double FailoverAfterMinutes { get; init; } = 30;
    /// <summary>A broker that does not answer is asked again after a pause that doubles each time, up to this long.</summary>
    public double BrokerRetryMaxSeconds { get; init; } = 120;
    /// <summary>Size of each PATCH. A broken connection loses nothing either way (the broker keeps what arrived); fewer, larger PATCHes are faster.</summary>
    public int ChunkSizeMib { get; init; } = 64;
    public int ParallelTransfers { get; init; } = 2;

    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? SafeMachineName() : ClientId;

    private static string SafeMachineName()
    {
        var name = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').ToArray());
        return ClientIds.IsValid(name) ? name : "client";
    }
}

/// <summary>A watched folder: what to take from it, how to convert each media type, where results go.</summary>
public sealed record ObservedPath
{
    public string Path { get; init; } = "";
    public bool Recursive { get; init; } = true;
    public List<string> ObservedMediaTypes { get; init; } = [.. MediaTypes.All];
    /// <summary>Conversion type per media type; a media type left out gets the broker's default.</summary>
    public Dictionary<string, string> ConversionTypes { get; init; } = [];
    /// <summary>Where outputs go, mirroring the relative path (a Plex library, say); beside the source when null.</summary>
    public string? OutputPath { get; init; }
    /// <summary>skip: keep the existing file and drop the new output; number: save the new one as "name (1).ext".</summary>
    public string WhenOutputExists { get; init; } = OutputCollision.Skip;
    /// <summary>keep, delete, or move (to move_source_to) the source once its output is in place.</summary>
    public string AfterSuccess { get; init; } = SourceAfterSuccess.Keep;
    public string? MoveSourceTo { get; init; }
}

/// <summary>A broker the client may use.</summary>
public sealed record ServerEntry
{
    public string Id { get; init; } = "";
    public string Url { get; init; } = "";
    /// <summary>Sent as a bearer token; empty for a broker that has none (it serves its own machine only).</summary>
    public string Token { get; init; } = "";
    public List<string> ListOfSupportedMediaTypes { get; init; } = [.. MediaTypes.All];
}

public static class OutputCollision
{
    public const string Skip = "skip";
    public const string Number = "number";
}

public static class SourceAfterSuccess
{
    public const string Keep = "keep";
    public const string Delete = "delete";
    public const string Move = "move";
}
