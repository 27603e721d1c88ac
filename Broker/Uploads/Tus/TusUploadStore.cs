using System.Collections.Concurrent;
using System.IO.Abstractions;
using System.Security.Cryptography;
using System.Text.Json;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>
/// Resumable uploads on disk: <c>incoming/tus-&lt;id&gt;/input</c> holds the bytes received so far (its length is the
/// offset), <c>incoming/tus-&lt;id&gt;.json</c> the upload's details. Survives restarts; one writer per upload at a time.
/// The folder holds nothing but the data, so that when complete it can become an item's folder by one rename.
/// </summary>
/// <param name="meter">Counts PATCH bytes as they land (<c>mediabroker_received_bytes_total</c>); none counted without one.</param>
public sealed class TusUploadStore(DataFolder data, IFileSystem files, BrokerSettings settings, UploadLimits limits, TimeProvider time,
    TransferMeter? meter = null)
{
    private const string Prefix = "tus-";
    private readonly ConcurrentDictionary<string, TusUploadRecord> _records = new();
    private readonly ConcurrentDictionary<string, LiveUpload> _live = new();
    // Creations are checked against the per-client limits one at a time, so two at once cannot both take the last place.
    private readonly SemaphoreSlim _creating = new(1, 1);

    /// <summary>What only memory holds for an upload: its lock, and the whole-file hash as far as it got.</summary>
    private sealed class LiveUpload
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public IncrementalHash? Hash { get; set; }
        public long HashedUpTo { get; set; }
        /// <summary>Room promised to the bytes still to come and to the output; held until the upload is an item or gone.</summary>
        public SpaceClaim? Claim { get; set; }
        /// <summary>Every byte is here and the upload is becoming an item: its folder may already be the item's.</summary>
        public bool Completing { get; set; }
    }

    public TimeSpan Expiry => TimeSpan.FromHours(settings.UploadExpiryHours);

    public string FolderOf(string uploadId) => files.Path.Combine(data.Incoming, Prefix + uploadId);

    public string DataOf(string uploadId) => files.Path.Combine(FolderOf(uploadId), ItemFiles.Input);

    private string RecordPath(string uploadId) => files.Path.Combine(data.Incoming, $"{Prefix}{uploadId}.json");

    public TusUploadRecord? Get(string uploadId) => _records.GetValueOrDefault(uploadId);

    public IEnumerable<TusUploadRecord> All => _records.Values;

    /// <summary>Bytes received so far.</summary>
    public long OffsetOf(TusUploadRecord record)
    {
        // While it becomes an item its data file moves with its folder; every byte has arrived all the same.
        if (record.ItemId is not null || _live.TryGetValue(record.UploadId, out var live) && live.Completing) return record.Length;
        var file = files.FileInfo.New(DataOf(record.UploadId));
        return file.Exists ? file.Length : 0;
    }

    public async Task<TusUploadRecord> CreateAsync(long length, string metadataHeader, UploadClaims claims, CancellationToken cancellationToken)
    {
        limits.EnsureAllowedSize(length);
        await _creating.WaitAsync(cancellationToken);
        try
        {
            EnsureWithinClientLimits(claims.ClientId, length);
            return await CreateUnlimitedAsync(length, metadataHeader, claims, cancellationToken);
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>
    /// One client may not hoard the broker: at most max_unfinished_uploads_per_client begun and not finished (429),
    /// claiming at most max_unfinished_upload_bytes_per_client together (413).
    /// </summary>
    private void EnsureWithinClientLimits(string clientId, long length)
    {
        var unfinished = _records.Values.Where(record => record.ItemId is null && record.ClientId == clientId).ToList();
        if (unfinished.Count >= settings.MaxUnfinishedUploadsPerClient)
            throw Rejection.TooMany($"client '{clientId}' has {unfinished.Count} unfinished uploads (max_unfinished_uploads_per_client); "
                + "finish or cancel one first, or wait for it to expire");
        var claimed = unfinished.Sum(record => record.Length);
        if (claimed + length > settings.MaxUnfinishedUploadBytesPerClient)
            throw Rejection.TooLarge($"client '{clientId}' has unfinished uploads of {claimed} bytes; this one of {length} would pass "
                + $"max_unfinished_upload_bytes_per_client ({settings.MaxUnfinishedUploadBytesPerClient})");
    }

    private async Task<TusUploadRecord> CreateUnlimitedAsync(long length, string metadataHeader, UploadClaims claims, CancellationToken cancellationToken)
    {
        var claim = limits.Claim(length);
        var now = time.GetUtcNow();
        var record = new TusUploadRecord
        {
            UploadId = Guid.NewGuid().ToString("N"),
            Length = length,
            Metadata = metadataHeader,
            FileName = claims.FileName,
            ConversionType = claims.ConversionType,
            Sha512 = claims.Sha512,
            ClientId = claims.ClientId,
            Directory = claims.Directory,
            CreatedAt = now,
            ExpiresAt = now + Expiry,
        };
        try
        {
            files.Directory.CreateDirectory(FolderOf(record.UploadId));
            await files.File.WriteAllBytesAsync(DataOf(record.UploadId), [], cancellationToken);
            await SaveAsync(record, cancellationToken);
        }
        catch
        {
            claim.Dispose();
            throw;
        }
        _live[record.UploadId] = new LiveUpload { Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512), Claim = claim };
        return record;
    }

    /// <summary>True while a request writes to the upload.</summary>
    public bool IsBusy(string uploadId) => _live.TryGetValue(uploadId, out var live) && live.Lock.CurrentCount == 0;

    /// <summary>The upload's write lock, or null when another request holds it (the caller answers 423).</summary>
    public IDisposable? TryLock(string uploadId)
    {
        var live = _live.GetOrAdd(uploadId, _ => new LiveUpload());
        return live.Lock.Wait(0) ? new Releaser(live.Lock) : null;
    }

    /// <summary>
    /// Appends a PATCH body at <paramref name="offset"/> (which must be the current offset). A chunk whose checksum
    /// does not match is cut off again (460); so is one that would pass Upload-Length (413).
    /// </summary>
    /// <returns>The new offset.</returns>
    public async Task<long> AppendAsync(TusUploadRecord record, long offset, Stream body, long? contentLength, ChunkChecksum? checksum,
        CancellationToken cancellationToken)
    {
        var remaining = record.Length - offset;
        if (contentLength > remaining)
            throw Rejection.TooLarge($"this PATCH carries {contentLength} bytes but only {remaining} remain of Upload-Length {record.Length}");
        // The upload's room was claimed when it was created; here only what others did since counts (a disk filled meanwhile).
        limits.EnsureRoomLeft();

        var live = _live.GetOrAdd(record.UploadId, _ => new LiveUpload());
        // The whole-file hash runs along only while the bytes arrive in order within this run of the broker.
        var wholeFile = live.Hash is not null && live.HashedUpTo == offset ? live.Hash : null;
        if (wholeFile is null) DropHash(live);
        using var chunkHash = checksum is null ? null : IncrementalHash.CreateHash(checksum.Algorithm);
        var hashes = new List<IncrementalHash>();
        if (wholeFile is not null) hashes.Add(wholeFile);
        if (chunkHash is not null) hashes.Add(chunkHash);

        long written = 0;
        var tally = meter?.Receiving();
        try
        {
            await using var file = files.FileStream.New(DataOf(record.UploadId), FileMode.Open, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous);
            file.Position = offset;
            // Whatever arrived before a broken connection stays: the client resumes from the new offset. The bytes are
            // not forced to disk chunk by chunk (that would halve the upload speed); a power cut may cost the last
            // chunks, which the whole-file sha512 then catches, and the data is flushed before it becomes an item.
            await HashingCopy.CopyAsync(body, file, hashes, remaining, total =>
            {
                written = total;
                live.Claim?.Landed(offset + total);
                tally?.Landed(total);
            }, cancellationToken);
        }
        catch (CopyLimitExceededException)
        {
            Truncate(record, offset, live);
            throw Rejection.TooLarge($"the PATCH went past Upload-Length ({record.Length} bytes); its bytes were dropped");
        }
        catch (IOException error) when (DiskSpace.IsDiskFull(error))
        {
            Truncate(record, offset, live);
            throw Rejection.InsufficientStorage("the broker's disk filled up during this PATCH; its bytes were dropped");
        }
        catch
        {
            // A broken connection: the file keeps every chunk that was written, and the running hash saw exactly
            // those, unless a write itself failed; then the file is read again at the end instead.
            if (wholeFile is not null && files.FileInfo.New(DataOf(record.UploadId)).Length == offset + written) live.HashedUpTo = offset + written;
            else DropHash(live);
            await ExtendExpiryAsync(record, CancellationToken.None);
            throw;
        }

        if (chunkHash is not null && !chunkHash.GetHashAndReset().AsSpan().SequenceEqual(checksum!.Expected))
        {
            Truncate(record, offset, live);
            throw Rejection.ChunkChecksumMismatch("the bytes of this PATCH do not match its Upload-Checksum; they were dropped, send them again");
        }
        if (wholeFile is not null) live.HashedUpTo = offset + written;
        await ExtendExpiryAsync(record, cancellationToken);
        return offset + written;
    }

    /// <summary>
    /// Pushes the expiry back after a PATCH. In memory every time; on disk at most once a minute, since an expiry of
    /// hours does not need to survive a restart to the second, and a disk write per chunk would slow uploads down.
    /// </summary>
    private async Task ExtendExpiryAsync(TusUploadRecord record, CancellationToken cancellationToken)
    {
        var extended = record with { ExpiresAt = time.GetUtcNow() + Expiry };
        if (extended.ExpiresAt - record.ExpiresAt < TimeSpan.FromMinutes(1)) _records[record.UploadId] = extended;
        else await SaveAsync(extended, cancellationToken);
    }

    /// <summary>Forces the complete data to disk before anything refers to it.</summary>
    public void FlushData(TusUploadRecord record)
    {
        using var file = files.FileStream.New(DataOf(record.UploadId), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The sha512 of the complete data: from the running hash when it saw every byte, else read again.</summary>
    public async Task<string> Sha512OfAsync(TusUploadRecord record, CancellationToken cancellationToken)
    {
        if (_live.TryGetValue(record.UploadId, out var live) && live.Hash is { } hash && live.HashedUpTo == record.Length)
        {
            var sha512 = Convert.ToHexStringLower(hash.GetHashAndReset());
            // Used up: a completion tried again (the first was interrupted) reads the file instead of hashing nothing.
            DropHash(live);
            return sha512;
        }
        return await Sha512Hex.OfFileAsync(files, DataOf(record.UploadId), cancellationToken);
    }

    /// <summary>
    /// The upload became an item: its files are gone from incoming/ (the bytes are the item's now). Its record stays
    /// in memory until it expires, so a client that lost the last answer can still learn the item with a HEAD; after
    /// a restart, asking <c>GET /api/items?sha512=</c> does the same.
    /// </summary>
    /// <summary>
    /// Says an upload with all its bytes is being made an item (or not: <paramref name="completing"/> false), so that its
    /// offset stays whole while its folder moves. Without it, a HEAD at that moment answered 0, and the client's PATCH
    /// from 0 got 409 once the item was made.
    /// </summary>
    public void MarkCompleting(TusUploadRecord record, bool completing)
    {
        if (_live.TryGetValue(record.UploadId, out var live)) live.Completing = completing;
    }

    public void MarkCompleted(TusUploadRecord record, Guid itemId)
    {
        // The lock stays: the request that holds it is the one finishing, and a second request must still wait for it.
        if (_live.TryGetValue(record.UploadId, out var live)) Release(live);
        files.File.Delete(RecordPath(record.UploadId));
        _records[record.UploadId] = record with { ItemId = itemId, ExpiresAt = time.GetUtcNow() + Expiry };
    }

    /// <summary>Removes an upload and its bytes (termination, expiry, or a refused completion).</summary>
    public void Remove(string uploadId)
    {
        ForgetLive(uploadId);
        _records.TryRemove(uploadId, out _);
        files.DeleteFolderIfPresent(FolderOf(uploadId));
        files.File.Delete(RecordPath(uploadId));
    }

    /// <summary>Loads the uploads a previous run left. Half-created ones (a folder without its details) are removed.</summary>
    public IReadOnlyList<TusUploadRecord> Load()
    {
        foreach (var path in files.Directory.EnumerateFiles(data.Incoming, Prefix + "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<TusUploadRecord>(files.File.ReadAllBytes(path), WireJson.Options) is { } record
                    && files.Path.GetFileName(path) == $"{Prefix}{record.UploadId}.json")
                {
                    _records[record.UploadId] = record;
                    // Its room was promised before the restart: claimed again, whatever the disk holds now.
                    _live[record.UploadId] = new LiveUpload { Claim = limits.Claim(record.Length, OffsetOf(record), mustFit: false) };
                }
            }
            catch (JsonException)
            {
                files.File.Delete(path); // written atomically, so only a hand-made file can be broken; nothing to resume
            }
        }
        foreach (var folder in files.Directory.EnumerateDirectories(data.Incoming, Prefix + "*"))
        {
            if (!_records.ContainsKey(files.Path.GetFileName(folder)[Prefix.Length..]))
            {
                files.DeleteFolderIfPresent(folder);
                continue;
            }
            // The folder holds nothing but the data: whatever else a stop left there (an item.json half written on the
            // way to becoming an item) would otherwise travel into the item's folder.
            foreach (var stray in files.Directory.EnumerateFiles(folder).Where(file => files.Path.GetFileName(file) != ItemFiles.Input))
                files.File.Delete(stray);
        }
        return _records.Values.ToList();
    }

    private void Truncate(TusUploadRecord record, long offset, LiveUpload live)
    {
        using (var file = files.FileStream.New(DataOf(record.UploadId), FileMode.Open, FileAccess.Write, FileShare.Read))
        {
            file.SetLength(offset);
            file.Flush(flushToDisk: true);
        }
        DropHash(live);
    }

    private static void DropHash(LiveUpload live)
    {
        live.Hash?.Dispose();
        live.Hash = null;
    }

    private void ForgetLive(string uploadId)
    {
        if (_live.TryRemove(uploadId, out var live)) Release(live);
    }

    private static void Release(LiveUpload live)
    {
        DropHash(live);
        live.Claim?.Dispose();
        live.Claim = null;
    }

    private async Task SaveAsync(TusUploadRecord record, CancellationToken cancellationToken)
    {
        await files.WriteJsonAtomicallyAsync(RecordPath(record.UploadId), record, WireJson.Options, cancellationToken);
        _records[record.UploadId] = record;
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
        }
    }
}
