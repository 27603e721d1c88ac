using System.Collections.Concurrent;
using System.IO.Abstractions;
using System.Security.Cryptography;
using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// The broker's view of tokens.json, read again as soon as the file changes (a stat per check: a revoked token is
/// refused from the next request on, without a restart). A file that cannot be read (or holds an entry that does not
/// say exactly who it is for) refuses every token, anonymous requests included, until it is fixed: a broken file must
/// never open the broker.
/// </summary>
public sealed class TokenRegistry(DataFolder data, IFileSystem files, TimeProvider time, ILogger<TokenRegistry> logger)
{
    /// <summary>last_used is saved at most this often per token; the list needs minutes, not milliseconds.</summary>
    private static readonly TimeSpan UseSavedEvery = TimeSpan.FromMinutes(1);

    private readonly TokenFile _file = new(TokenFilePath(data), files);
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(TokenUse.Read(UseFilePath(data)), StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSaved = new(StringComparer.Ordinal);
    private Snapshot _current = new((false, -1, default), [], Broken: false);

    /// <summary>What the file said when last read: one object, swapped whole, so no reader sees half of a change.</summary>
    private sealed record Snapshot((bool Exists, long Length, DateTime Written) Stamp, IReadOnlyList<(TokenEntry Entry, byte[] Hash)> Tokens, bool Broken);

    public static string TokenFilePath(DataFolder data) => Path.Combine(data.Root, TokenFile.FileName);

    public static string UseFilePath(DataFolder data) => Path.Combine(data.Root, "token-use.json");

    /// <summary>True when no token is defined (and the file is readable): anonymous requests may then be allowed.</summary>
    public bool IsEmpty => Current() is { Broken: false, Tokens.Count: 0 };

    /// <summary>tokens.json exists but cannot be read: every request is refused.</summary>
    public bool IsBroken => Current().Broken;

    public int Count => Current().Tokens.Count;

    /// <summary>Whether a token of this name exists now (a signed link dies with the token that made it).</summary>
    public bool Exists(string name) => Current().Tokens.Any(token => token.Entry.Name == name);

    /// <summary>The token whose secret this is, or null. Every stored hash is compared, in constant time.</summary>
    public TokenEntry? Find(string secret)
    {
        var hash = TokenSecrets.Hash(secret);
        TokenEntry? found = null;
        foreach (var (entry, stored) in Current().Tokens)
            if (CryptographicOperations.FixedTimeEquals(hash, stored)) found = entry;
        return found;
    }

    /// <summary>Remembers that a token was used; token-use.json is rewritten at most once a minute per token.</summary>
    public void MarkUsed(TokenEntry entry)
    {
        var now = time.GetUtcNow();
        _lastUsed[entry.Name] = now;
        if (_lastSaved.TryGetValue(entry.Name, out var saved) && now - saved < UseSavedEvery) return;
        _lastSaved[entry.Name] = now;
        try
        {
            files.WriteJsonAtomicallyAsync(UseFilePath(data), new Dictionary<string, DateTimeOffset>(_lastUsed), TokenUse.Json)
                .GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not save when tokens were last used: {Problem}", error.Message);
        }
    }

    /// <summary>The tokens as the file holds them now: read again when it changed since the last look (a stat per request).</summary>
    private Snapshot Current()
    {
        var info = files.FileInfo.New(_file.Path);
        var stamp = info.Exists ? (true, info.Length, info.LastWriteTimeUtc) : (false, -1L, default(DateTime));
        var current = Volatile.Read(ref _current);
        if (stamp == current.Stamp) return current;
        lock (_gate)
        {
            current = _current;
            if (stamp == current.Stamp) return current;
            Snapshot next;
            try
            {
                next = new Snapshot(stamp, _file.Read().Tokens.Select(entry => (entry, Convert.FromHexString(entry.Sha256))).ToList(), Broken: false);
                if (current.Broken || current.Stamp.Exists || stamp.Item1)
                    logger.LogInformation("Tokens: {Count} in {File}", next.Tokens.Count, _file.Path);
            }
            catch (ConfigurationException error)
            {
                next = new Snapshot(stamp, [], Broken: true);
                logger.LogError("{Problem}. Until it is fixed every request is refused", error.Message);
            }
            Volatile.Write(ref _current, next);
            return next;
        }
    }
}

/// <summary>token-use.json: when each token was last used, kept apart from tokens.json so the broker never rewrites that.</summary>
public static class TokenUse
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static IReadOnlyDictionary<string, DateTimeOffset> Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(File.ReadAllText(path), Json) ?? new() : new();
        }
        catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
        {
            return new Dictionary<string, DateTimeOffset>();
        }
    }
}
