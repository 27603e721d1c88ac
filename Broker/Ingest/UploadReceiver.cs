using System.Security.Cryptography;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Broker.Ingest;

/// <summary>
/// Streams an upload into a fresh staging folder under incoming/, hashing as it writes. Memory stays flat whatever
/// the size; the size limit and the free-space floor are enforced while the bytes arrive, not after.
/// </summary>
public sealed class UploadReceiver(DataFolder data, BrokerSettings settings, DiskSpace disk)
{
    private const string StagingPrefix = "post-";
    private const long SpaceCheckEvery = 64L << 20;

    public async Task<ReceivedFile> ReceiveAsync(Stream body, long? declaredLength, CancellationToken cancellationToken)
    {
        if (declaredLength is { } declared)
        {
            EnsureAllowedSize(declared);
            EnsureRoomFor(declared);
        }
        else
        {
            EnsureRoomFor(0);
        }

        var staging = Path.Combine(data.Incoming, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        var path = Path.Combine(staging, ItemFiles.Input);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            long length;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                long checkedAt = 0;
                length = await HashingCopy.CopyAsync(body, file, hash, settings.MaxUploadBytes, onWritten: total =>
                {
                    if (total - checkedAt < SpaceCheckEvery) return;
                    checkedAt = total;
                    EnsureRoomFor(0);
                }, cancellationToken);
                // Content reaches the disk before anything refers to it.
                file.Flush(flushToDisk: true);
            }
            return new ReceivedFile(staging, path, length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch (CopyLimitExceededException)
        {
            Discard(staging);
            throw IngestRejection.TooLarge(settings.MaxUploadBytes);
        }
        catch (IOException error) when (DiskSpace.IsDiskFull(error))
        {
            Discard(staging);
            throw IngestRejection.InsufficientStorage("the broker's disk filled up during the upload; nothing was kept");
        }
        catch
        {
            Discard(staging);
            throw;
        }
    }

    /// <summary>Refuses (413) a file larger than max_upload_bytes.</summary>
    public void EnsureAllowedSize(long bytes)
    {
        if (bytes > settings.MaxUploadBytes) throw IngestRejection.TooLarge(settings.MaxUploadBytes);
    }

    /// <summary>Refuses (507) an upload of <paramref name="bytes"/> that would leave less than min_free_bytes free.</summary>
    public void EnsureRoomFor(long bytes)
    {
        var available = disk.AvailableBytes();
        if (available - bytes < settings.MinFreeBytes)
            throw IngestRejection.InsufficientStorage(
                $"the broker has {available} bytes free and keeps at least {settings.MinFreeBytes} free (min_free_bytes); this upload needs {bytes}");
    }

    public static void Discard(string stagingFolder)
    {
        try { Directory.Delete(stagingFolder, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>One-shot uploads cannot resume: whatever a crash left of them is removed at start.</summary>
    public int RemoveAbandoned()
    {
        var abandoned = Directory.EnumerateDirectories(data.Incoming, StagingPrefix + "*").ToList();
        abandoned.ForEach(Discard);
        return abandoned.Count;
    }
}
