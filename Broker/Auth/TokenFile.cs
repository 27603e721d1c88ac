using System.IO.Abstractions;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Auth;

/// <summary>One token as tokens.json keeps it: who it is for and the SHA-256 of its secret, never the secret.</summary>
public sealed record TokenEntry
{
    public required string Name { get; init; }
    public required string Role { get; init; }
    /// <summary>The items a client token acts on; null for an admin.</summary>
    public string? ClientId { get; init; }
    public required string Sha256 { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonIgnore]
    public AccessRole AccessRole => Role == "admin" ? Auth.AccessRole.Admin : Auth.AccessRole.Client;

    public Caller ToCaller() => new(Name, AccessRole, AccessRole == Auth.AccessRole.Admin ? null : ClientId);
}

/// <summary>tokens.json: the versioned list of tokens.</summary>
public sealed record TokenDocument
{
    public int Version { get; init; } = TokenFile.CurrentVersion;
    public List<TokenEntry> Tokens { get; init; } = [];
}

/// <summary>
/// Reads and replaces tokens.json in the data folder. Written atomically and readable by its owner only (0600);
/// changes from the command line are serialised by a lock file, so two <c>token add</c> at once both land.
/// </summary>
public sealed class TokenFile(string path, IFileSystem files)
{
    public const int CurrentVersion = 1;
    public const string FileName = "tokens.json";
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Path { get; } = path;

    /// <summary>The tokens, or none when there is no file. A file that cannot be read is an error, never "no tokens".</summary>
    public TokenDocument Read()
    {
        if (!files.File.Exists(Path)) return new TokenDocument();
        try
        {
            var document = JsonSerializer.Deserialize<TokenDocument>(files.File.ReadAllText(Path), Json) ?? new TokenDocument();
            if (document.Version != CurrentVersion)
                throw new ConfigurationException($"{Path}: version {document.Version} is not one this broker reads ({CurrentVersion})");
            if (ProblemOf(document) is { } problem)
                throw new ConfigurationException($"{Path}: {problem}; fix or remove it, then add the tokens again");
            return document;
        }
        catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Path}: cannot be read ({error.Message}); fix or remove it, then add the tokens again");
        }
    }

    /// <summary>
    /// What is wrong with a file edited by hand, if anything: an entry that does not say exactly who it is and what
    /// it may do must not become a token that sees everything (a client without a client_id would).
    /// </summary>
    private static string? ProblemOf(TokenDocument document)
    {
        if (document.Tokens is null) return "'tokens' must be a list";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, index) in document.Tokens.Select((entry, index) => (entry, index)))
        {
            var where = $"token {index + 1}";
            if (entry is null || !ClientIds.IsValid(entry.Name)) return $"{where}: name {ClientIds.Rule}";
            if (!names.Add(entry.Name)) return $"{where}: the name '{entry.Name}' appears twice";
            if (entry.Role is not ("client" or "admin")) return $"{where} ('{entry.Name}'): role must be client or admin";
            if (entry.Role == "client" && !ClientIds.IsValid(entry.ClientId)) return $"{where} ('{entry.Name}'): a client token needs a client_id that {ClientIds.Rule}";
            if (entry.Sha256 is not { Length: 64 } || !entry.Sha256.All(char.IsAsciiHexDigit)) return $"{where} ('{entry.Name}'): sha256 must be 64 hex digits";
        }
        return null;
    }

    /// <summary>Reads, changes and saves the file under a lock, so that concurrent changes do not lose each other.</summary>
    public async Task<T> ChangeAsync<T>(Func<TokenDocument, (TokenDocument Changed, T Result)> change, CancellationToken cancellationToken = default)
    {
        files.Directory.CreateDirectory(files.Path.GetDirectoryName(Path)!);
        using var held = await HoldLockAsync(cancellationToken);
        var (changed, result) = change(Read());
        await files.WriteAtomicallyAsync(Path, (stream, ct) => JsonSerializer.SerializeAsync(stream, changed, Json, ct), cancellationToken, OwnerOnly);
        return result;
    }

    private async Task<FileSystemStream> HoldLockAsync(CancellationToken cancellationToken)
    {
        var lockPath = Path + ".lock";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return files.FileStream.New(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 100)
            {
                await Task.Delay(50, cancellationToken); // another token command is saving; it takes milliseconds
            }
            catch (IOException error)
            {
                throw new ConfigurationException($"{lockPath} stays locked ({error.Message}): another token command seems stuck; try again");
            }
        }
    }
}
