using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Json;

namespace MediaBroker.Client.State;

/// <summary>items.json as stored: the seed's "client item database", one entry per source path.</summary>
public sealed class ClientDatabaseDocument
{
    public long Version { get; set; }
    public Dictionary<string, TrackedFile> Files { get; set; } = [];
}

/// <summary>
/// The client's memory across restarts, saved atomically after every change: what it saw, where each file went,
/// and how far each transfer got. Thread-safe.
/// </summary>
public sealed class ClientDatabase
{
    public const string FileName = "items.json";
    private static readonly JsonSerializerOptions Options = WireJson.Indented;

    private readonly IFileSystem _disk;
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly Dictionary<string, TrackedFile> _files;
    // What a scan asks of every stable file, answered without walking every record: a library of 100,000 files
    // would otherwise cost 10^10 steps to scan the first time.
    private readonly Dictionary<string, HashSet<string>> _byContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byOutput = new(StringComparer.Ordinal);
    private long _version;
    private long _savedVersion;

    private ClientDatabase(IFileSystem files, string path, ClientDatabaseDocument document)
    {
        _disk = files;
        _path = path;
        _files = new Dictionary<string, TrackedFile>(document.Files, StringComparer.Ordinal);
        foreach (var file in _files.Values) AddToIndexes(file);
        _version = _savedVersion = document.Version;
    }

    public string StatePath => _disk.Path.GetDirectoryName(_path)!;

    /// <param name="forWriting">Create the folder and clear half-written leftovers; readers leave everything as it is.</param>
    public static ClientDatabase Open(IFileSystem files, string statePath, bool forWriting)
    {
        var path = files.Path.Combine(statePath, FileName);
        if (forWriting)
        {
            files.Directory.CreateDirectory(statePath);
            foreach (var leftover in files.Directory.EnumerateFiles(statePath).Where(file => AtomicFile.IsTemporary(files.Path.GetFileName(file))))
                files.File.Delete(leftover);
        }
        if (!files.File.Exists(path)) return new ClientDatabase(files, path, new ClientDatabaseDocument());
        try
        {
            return new ClientDatabase(files, path,
                JsonSerializer.Deserialize<ClientDatabaseDocument>(files.File.ReadAllBytes(path), Options) ?? new ClientDatabaseDocument());
        }
        catch (JsonException error)
        {
            // Never silently start from scratch: that would send everything again.
            throw new InvalidDataException($"{path} is damaged ({error.Message}); move it away to start over", error);
        }
    }

    public TrackedFile? Get(string path)
    {
        lock (_gate) return _files.GetValueOrDefault(path);
    }

    public IReadOnlyList<TrackedFile> All()
    {
        lock (_gate) return _files.Values.ToList();
    }

    public TrackedFile? FindByItem(Guid itemId)
    {
        lock (_gate) return _files.Values.FirstOrDefault(file => file.ItemId == itemId);
    }

    /// <summary>The records whose source had this sha512.</summary>
    public IReadOnlyList<TrackedFile> WithContent(string sha512)
    {
        lock (_gate) return Lookup(_byContent, sha512);
    }

    /// <summary>The records whose output had this sha512 (a file that is one of this client's outputs).</summary>
    public IReadOnlyList<TrackedFile> WithOutput(string sha512)
    {
        lock (_gate) return Lookup(_byOutput, sha512);
    }

    /// <summary>Stores a new version of the file's record (its version goes up by one).</summary>
    public TrackedFile Put(TrackedFile file)
    {
        lock (_gate)
        {
            var previous = _files.GetValueOrDefault(file.Path);
            if (previous is not null) RemoveFromIndexes(previous);
            var stored = file with { Version = (previous?.Version ?? 0) + 1 };
            _files[file.Path] = stored;
            AddToIndexes(stored);
            _version++;
            return stored;
        }
    }

    public void Remove(string path)
    {
        lock (_gate)
        {
            if (!_files.Remove(path, out var removed)) return;
            RemoveFromIndexes(removed);
            _version++;
        }
    }

    private List<TrackedFile> Lookup(Dictionary<string, HashSet<string>> index, string sha512) =>
        index.TryGetValue(sha512, out var paths) ? paths.Select(path => _files[path]).ToList() : [];

    private void AddToIndexes(TrackedFile file)
    {
        if (file.Sha512Checksum is { } sha) Index(_byContent, sha).Add(file.Path);
        if (file.OutputSha512 is { } output) Index(_byOutput, output).Add(file.Path);
    }

    private void RemoveFromIndexes(TrackedFile file)
    {
        if (file.Sha512Checksum is { } sha) Unindex(_byContent, sha, file.Path);
        if (file.OutputSha512 is { } output) Unindex(_byOutput, output, file.Path);
    }

    private static HashSet<string> Index(Dictionary<string, HashSet<string>> index, string key) =>
        index.TryGetValue(key, out var paths) ? paths : index[key] = new HashSet<string>(StringComparer.Ordinal);

    private static void Unindex(Dictionary<string, HashSet<string>> index, string key, string path)
    {
        if (!index.TryGetValue(key, out var paths)) return;
        paths.Remove(path);
        if (paths.Count == 0) index.Remove(key);
    }

    /// <summary>Writes items.json if anything changed since the last save (atomically: temp file, fsync, rename).</summary>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            ClientDatabaseDocument document;
            lock (_gate)
            {
                if (_version == _savedVersion) return;
                document = new ClientDatabaseDocument { Version = _version, Files = new Dictionary<string, TrackedFile>(_files, StringComparer.Ordinal) };
            }
            await _disk.WriteJsonAtomicallyAsync(_path, document, Options, cancellationToken);
            lock (_gate) _savedVersion = document.Version;
        }
        finally
        {
            _saving.Release();
        }
    }
}
