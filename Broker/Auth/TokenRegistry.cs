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
/// refused from the next request on, without a restart). A file that cannot be read refuses every token, anonymous
/// requests included, until it is fixed: a broken file must never open the broker.
/// </summary>
public sealed class TokenRegistry(DataFolder data, IFileSystem files, TimeProvider time, ILogger<TokenRegistry> logger)
{
    /// <summary>last_used is saved at most this often per token; the list needs minutes, not milliseconds.</summary>
    private static readonly TimeSpan UseSavedEvery = TimeSpan.FromMinutes(1);

    private readonly TokenFile _file = new(TokenFilePath(data), files);
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSaved = new(StringComparer.Ordinal);
    private (bool Exists, long Length, DateTime Written) _stamp = (false, -1, default);
    private IReadOnlyList<(TokenEntry Entry, byte[] Hash)> _tokens = [];
    private bool _broken;

    public static string TokenFilePath(DataFolder data) => Path.Combine(data.Root, TokenFile.FileName);

    public static string UseFilePath(DataFolder data) => Path.Combine(data.Root, "token-use.json");

    /// <summary>True when no token is defined (and the file is readable): anonymous requests may then be allowed.</summary>
    public bool IsEmpty
    {
        get
        {
            Refresh();
            return !_broken && _tokens.Count == 0;
        }
    }

    public int Count
    {
        get
        {
            Refresh();
            return _tokens.Count;
        }
    }

    /// <summary>The token whose secret this is, or null. Every stored hash is compared, in constant time.</summary>
    public TokenEntry? Find(string secret)
    {
        Refresh();
        var hash = TokenSecrets.Hash(secret);
        TokenEntry? found = null;
        foreach (var (entry, stored) in _tokens)
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

    /// <summary>Reads tokens.json again when it changed since the last look.</summary>
    private void Refresh()
    {
        var info = files.FileInfo.New(_file.Path);
        var stamp = info.Exists ? (true, info.Length, info.LastWriteTimeUtc) : (false, -1L, default(DateTime));
        if (stamp == _stamp) return;
        lock (_gate)
        {
            if (stamp == _stamp) return;
            try
            {
                _tokens = _file.Read().Tokens.Select(entry => (entry, Convert.FromHexString(entry.Sha256))).ToList();
                if (_broken || _stamp.Exists || stamp.Item1)
                    logger.LogInformation("Tokens: {Count} in {File}", _tokens.Count, _file.Path);
                _broken = false;
            }
            catch (Exception error) when (error is ConfigurationException or FormatException)
            {
                _tokens = [];
                _broken = true;
                logger.LogError("{File} cannot be read, so every token is refused until it is fixed: {Problem}", _file.Path, error.Message);
            }
            _stamp = stamp;
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
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(File.ReadAllText(path), Json) ?? [] : [];
        }
        catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
        {
            return new Dictionary<string, DateTimeOffset>();
        }
    }
}
