using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Json;

namespace MediaBroker.Client.State;

/// <summary>items.json as stored: the seed's "client item database", one entry per source path.</summary>
/// <remarks><see cref="Version"/> comes first and goes up by one with every write, whichever process makes it.</remarks>
public sealed class ClientDatabaseDocument
{
    public long Version { get; set; }
    public Dictionary<string, TrackedFile> Files { get; set; } = [];
}

/// <summary>
/// The client's memory across restarts, saved atomically: what it saw, where each file went, and how far each
/// transfer got. Thread-safe, and shared by the processes that use one state_path at once: the engine (watch or
/// sync; client.lock keeps it to one) and the commands run beside it (retry, upload, status, download).
/// </summary>
/// <remarks>
/// No update is lost either way, with one short-held file lock instead of one held for a process's life:
/// <list type="bullet">
/// <item>items.json is only written inside a read-modify-write transaction under items.lock (held for the
/// milliseconds of one read and one atomic write). Under the lock, the version at the head of items.json says
/// whether another process wrote since this one last looked; if so the file is read again and this process's
/// unsaved changes are laid over it, record by record.</item>
/// <item>A record both changed (another process wrote it since this one read it, and this one changed its older
/// copy meanwhile) keeps the other process's version: this process's change was made from a record that no longer
/// holds, and the engine derives its next step from the new one at its next pass.</item>
/// <item>Commands make their change inside the transaction (<see cref="ChangeAsync"/>) on the records as they are at
/// that instant, so theirs always stands; the engine's unsaved changes of other records stand too.</item>
/// <item><see cref="Put"/> is a compare-and-set on <see cref="TrackedFile.Version"/>: a copy made from an older
/// version than the one held is refused, so a pass still holding a copy from before another process's change cannot
/// write it back over that change.</item>
/// </list>
/// The JSON file stays (no SQLite): existing state loads as it is, and one small file merged per record is all the
/// sharing this needs.
/// </remarks>
public sealed class ClientDatabase
{
    public const string FileName = "items.json";
    /// <summary>Held by whoever writes items.json, for the length of one transaction.</summary>
    public const string LockFileName = "items.lock";
    private static readonly JsonSerializerOptions Options = WireJson.Indented;
    /// <summary>How long to wait for another process's transaction; far beyond any, so only a hung process ends it.</summary>
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(60);

    private readonly IFileSystem _disk;
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly Dictionary<string, TrackedFile> _files;
    // What a scan asks of every stable file, answered without walking every record: a library of 100,000 files
    // would otherwise cost 10^10 steps to scan the first time.
    private readonly Dictionary<string, HashSet<string>> _byContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byOutput = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byOutputPath = new(StringComparer.Ordinal);
    // The records changed here and not yet written, each with the version items.json had of it when it was changed
    // (null: it had none): how a merge tells a change made only here from one made on both sides.
    private readonly Dictionary<string, long?> _unsaved = new(StringComparer.Ordinal);
    // The version of items.json as this process last read or wrote it; every write is one above the one it replaces.
    private long _diskVersion;

    private ClientDatabase(IFileSystem files, string path, ClientDatabaseDocument document)
    {
        _disk = files;
        _path = path;
        _files = new Dictionary<string, TrackedFile>(document.Files, StringComparer.Ordinal);
        foreach (var file in _files.Values) AddToIndexes(file);
        _diskVersion = document.Version;
    }

    public string StatePath => _disk.Path.GetDirectoryName(_path)!;

    /// <param name="forWriting">Create the folder and clear half-written leftovers; readers leave everything as it is.</param>
    public static ClientDatabase Open(IFileSystem files, string statePath, bool forWriting)
    {
        var path = files.Path.Combine(statePath, FileName);
        if (!forWriting) return new ClientDatabase(files, path, Load(files, path));
        files.Directory.CreateDirectory(statePath);
        // Under the lock: a temporary file is a leftover only when nobody is writing.
        using var held = HoldLockAsync(files, statePath, CancellationToken.None).GetAwaiter().GetResult();
        foreach (var leftover in files.Directory.EnumerateFiles(statePath).Where(file => AtomicFile.IsTemporary(files.Path.GetFileName(file))))
            files.File.Delete(leftover);
        return new ClientDatabase(files, path, Load(files, path));
    }

    private static ClientDatabaseDocument Load(IFileSystem files, string path)
    {
        if (!files.File.Exists(path)) return new ClientDatabaseDocument();
        try
        {
            return JsonSerializer.Deserialize<ClientDatabaseDocument>(files.File.ReadAllBytes(path), Options) ?? new ClientDatabaseDocument();
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

    /// <summary>The records whose output is to get (or got) this path.</summary>
    public IReadOnlyList<TrackedFile> WithOutputPath(string outputPath)
    {
        lock (_gate) return Lookup(_byOutputPath, outputPath);
    }

    /// <summary>
    /// Stores a new version of the file's record (its version goes up by one), if <paramref name="file"/> was made
    /// from the version held now (a new record: version 0 and none held).
    /// </summary>
    /// <returns>The stored record, or null when the record changed meanwhile (another process's change came in): the
    /// change was made from an older record and is dropped; the next pass works from the new one.</returns>
    public TrackedFile? Put(TrackedFile file)
    {
        lock (_gate)
        {
            var previous = _files.GetValueOrDefault(file.Path);
            if (file.Version != (previous?.Version ?? 0)) return null;
            if (previous is not null) RemoveFromIndexes(previous);
            var stored = file with { Version = file.Version + 1 };
            _files[file.Path] = stored;
            AddToIndexes(stored);
            _unsaved.TryAdd(file.Path, previous?.Version);
            return stored;
        }
    }

    public void Remove(string path)
    {
        lock (_gate)
        {
            if (!_files.Remove(path, out var removed)) return;
            RemoveFromIndexes(removed);
            _unsaved.TryAdd(path, removed.Version);
        }
    }

    private List<TrackedFile> Lookup(Dictionary<string, HashSet<string>> index, string sha512) =>
        index.TryGetValue(sha512, out var paths) ? paths.Select(path => _files[path]).ToList() : [];

    private void AddToIndexes(TrackedFile file)
    {
        if (file.Sha512Checksum is { } sha) Index(_byContent, sha).Add(file.Path);
        if (file.OutputSha512 is { } output) Index(_byOutput, output).Add(file.Path);
        if (file.OutputPath is { } outputPath) Index(_byOutputPath, outputPath).Add(file.Path);
    }

    private void RemoveFromIndexes(TrackedFile file)
    {
        if (file.Sha512Checksum is { } sha) Unindex(_byContent, sha, file.Path);
        if (file.OutputSha512 is { } output) Unindex(_byOutput, output, file.Path);
        if (file.OutputPath is { } outputPath) Unindex(_byOutputPath, outputPath, file.Path);
    }

    private static HashSet<string> Index(Dictionary<string, HashSet<string>> index, string key) =>
        index.TryGetValue(key, out var paths) ? paths : index[key] = new HashSet<string>(StringComparer.Ordinal);

    private static void Unindex(Dictionary<string, HashSet<string>> index, string key, string path)
    {
        if (!index.TryGetValue(key, out var paths)) return;
        paths.Remove(path);
        if (paths.Count == 0) index.Remove(key);
    }

    /// <summary>
    /// Writes this process's changes to items.json and takes in those other processes made (see the remarks on the
    /// class); touches nothing, not even the lock, when neither side changed anything.
    /// </summary>
    public Task SaveAsync(CancellationToken cancellationToken = default) => ChangeAsync(null, cancellationToken);

    /// <summary>
    /// One transaction: under items.lock, the records as they are on disk now (this process's unsaved changes laid
    /// over them), then <paramref name="change"/> (Get and Put on this database), then the result written atomically
    /// (temp file, fsync, rename) before the lock is released.
    /// </summary>
    public async Task ChangeAsync(Action<ClientDatabase>? change, CancellationToken cancellationToken = default)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            if (change is null)
            {
                // The watcher saves after every step: without this, an idle one would lock and read the file all day.
                bool nothingUnsaved;
                lock (_gate) nothingUnsaved = _unsaved.Count == 0;
                if (nothingUnsaved && VersionOnDisk() == _diskVersion) return;
            }
            using var held = await HoldLockAsync(_disk, StatePath, cancellationToken);
            if (VersionOnDisk() != _diskVersion) TakeIn(Load(_disk, _path));
            change?.Invoke(this);
            ClientDatabaseDocument document;
            Dictionary<string, long?> saving;
            lock (_gate)
            {
                if (_unsaved.Count == 0) return;
                saving = new Dictionary<string, long?>(_unsaved, StringComparer.Ordinal);
                _unsaved.Clear();
                document = new ClientDatabaseDocument { Version = _diskVersion + 1, Files = new Dictionary<string, TrackedFile>(_files, StringComparer.Ordinal) };
            }
            try
            {
                await _disk.WriteJsonAtomicallyAsync(_path, document, Options, cancellationToken);
            }
            catch
            {
                lock (_gate) foreach (var (path, basis) in saving) _unsaved[path] = basis; // still unsaved, from what the disk still has
                throw;
            }
            lock (_gate) _diskVersion = document.Version;
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>
    /// Another process wrote items.json: its records replace these, except the ones changed only here. A record
    /// changed on both sides keeps the other process's version, numbered above both so that no copy held here can
    /// be put back over it; it is written again with that number.
    /// </summary>
    private void TakeIn(ClientDatabaseDocument disk)
    {
        lock (_gate)
        {
            var merged = new Dictionary<string, TrackedFile>(disk.Files, StringComparer.Ordinal);
            foreach (var (path, basis) in _unsaved.ToList())
            {
                var theirs = merged.GetValueOrDefault(path);
                if (theirs?.Version == basis)
                {
                    if (_files.TryGetValue(path, out var mine)) merged[path] = mine;
                    else merged.Remove(path);
                }
                else if (theirs is null) _unsaved.Remove(path); // gone there: it stays gone
                else
                {
                    merged[path] = theirs with { Version = Math.Max(theirs.Version, _files.GetValueOrDefault(path)?.Version ?? 0) + 1 };
                    _unsaved[path] = theirs.Version;
                }
            }
            _files.Clear();
            _byContent.Clear();
            _byOutput.Clear();
            _byOutputPath.Clear();
            foreach (var (path, file) in merged)
            {
                _files[path] = file;
                AddToIndexes(file);
            }
            _diskVersion = disk.Version;
        }
    }

    /// <summary>
    /// The version at the head of items.json (0 when there is none), read without reading the records; -1 when it
    /// cannot be told that way, which makes the caller read the whole file.
    /// </summary>
    private long VersionOnDisk()
    {
        if (!_disk.File.Exists(_path)) return 0;
        byte[] head = new byte[256];
        int read;
        try
        {
            using var stream = _disk.File.OpenRead(_path);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        var reader = new Utf8JsonReader(head.AsSpan(0, read), isFinalBlock: false, state: default);
        try
        {
            // Version is the document's first property: {"version": 12, "files": ...
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
                && reader.ValueTextEquals("version") && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var version))
                return version;
        }
        catch (JsonException)
        {
        }
        return -1;
    }

    /// <summary>items.lock, held exclusively (flock on Linux: the kernel drops it with a process that dies).</summary>
    private static async Task<IDisposable> HoldLockAsync(IFileSystem files, string statePath, CancellationToken cancellationToken)
    {
        var path = files.Path.Combine(statePath, LockFileName);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // Opened for reading: it is a lock, never written (and so no crash point of its own).
                return files.FileStream.New(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.None);
            }
            catch (IOException) when (files.Directory.Exists(statePath))
            {
                if (waited.Elapsed > LockPatience)
                    throw new TimeoutException($"{path} has been locked by another media-client for {LockPatience.TotalSeconds:0} s; is one of them hung?");
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
            }
        }
    }
}
