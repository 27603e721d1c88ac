using System.Diagnostics;
using System.IO.Abstractions;
using System.Security.Cryptography;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Uploads.OneShot;

/// <summary>
/// Streams a one-shot upload (<c>POST /api/items</c>) into a fresh staging folder under incoming/, hashing as it
/// writes. Memory stays flat whatever the size; the size limit and the free-space floor are enforced while the bytes
/// arrive, not after. Nothing can resume a one-shot upload, so whatever fails, its folder goes.
/// </summary>
/// <param name="meter">Counts the bytes as they land (<c>mediabroker_received_bytes_total</c>); none counted without one.</param>
public sealed class OneShotReceiver(DataFolder data, IFileSystem files, UploadLimits limits, TransferMeter? meter = null)
{
    private const string StagingPrefix = "post-";
    private const long SpaceCheckEvery = 64L << 20;

    /// <param name="declaredLength">What the request says it carries, when it says it: room for that (and its output) is claimed up front.</param>
    public async Task<StagedFile> ReceiveAsync(Stream body, long? declaredLength, CancellationToken cancellationToken)
    {
        using var claim = limits.Claim(declaredLength ?? 0);
        long claimed = declaredLength ?? 0;

        var started = Stopwatch.GetTimestamp();
        var staging = NewStagingFolder();
        var path = files.Path.Combine(staging, ItemFiles.Input);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            var tally = meter?.Receiving();
            long length;
            await using (var file = files.FileStream.New(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                long checkedAt = 0;
                length = await HashingCopy.CopyAsync(body, file, hash, limits.MaxUploadBytes, onWritten: total =>
                {
                    claim.Landed(total);
                    tally?.Landed(total);
                    if (total - checkedAt < SpaceCheckEvery) return;
                    checkedAt = total;
                    // A body of unknown size claims its room as it grows; one of known size was claimed whole.
                    if (total > claimed)
                    {
                        claim.Grow(SpaceCheckEvery);
                        claimed += SpaceCheckEvery;
                    }
                    else limits.EnsureRoomLeft();
                }, cancellationToken);
                // Content reaches the disk before anything refers to it.
                file.Flush(flushToDisk: true);
            }
            // Hashed as it arrived: no hashing step of its own.
            var timings = new ItemTimings { ReceivingSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds };
            return StagedFile.OneShot(files, staging, path, length, Convert.ToHexStringLower(hash.GetHashAndReset()), timings);
        }
        catch (CopyLimitExceededException)
        {
            files.DeleteFolderIfPresent(staging);
            throw Rejection.TooLarge(limits.MaxUploadBytes);
        }
        catch (IOException error) when (DiskSpace.IsDiskFull(error))
        {
            files.DeleteFolderIfPresent(staging);
            throw Rejection.InsufficientStorage("the broker's disk filled up during the upload; nothing was kept");
        }
        catch
        {
            files.DeleteFolderIfPresent(staging);
            throw;
        }
    }

    /// <summary>One-shot uploads cannot resume: whatever a crash left of them is removed at start.</summary>
    /// <summary>
    /// A new, empty folder under incoming/ that becomes an item's folder once the store takes it; an item made from a
    /// link starts in one too. One left behind by a crash goes at the next start (<see cref="RemoveAbandoned"/>).
    /// </summary>
    public string NewStagingFolder()
    {
        var staging = files.Path.Combine(data.Incoming, StagingPrefix + Guid.NewGuid().ToString("N"));
        files.Directory.CreateDirectory(staging);
        return staging;
    }

    public int RemoveAbandoned()
    {
        var abandoned = files.Directory.EnumerateDirectories(data.Incoming, StagingPrefix + "*").ToList();
        abandoned.ForEach(files.DeleteFolderIfPresent);
        return abandoned.Count;
    }
}
