using System.Diagnostics;
using System.IO.Abstractions;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>
/// Turns a complete resumable upload into an item with exactly the rules of <c>POST /api/items</c> (whole-file
/// sha512 422, same content the existing item, 415...), and finishes at start what a stop interrupted. A refused
/// upload is removed; an interrupted one keeps its bytes and record, so that the client's next PATCH (or the next
/// start) completes it.
/// </summary>
public sealed class TusCompletion(TusUploadStore uploads, ItemIngest ingest, ItemStore store, IFileSystem files, TimeProvider time, ILogger<TusCompletion> logger)
{
    public async Task<Item> CompleteAsync(TusUploadRecord record, CancellationToken cancellationToken)
    {
        // Forced to disk while the content is checked, which does not need it: a GiB's fsync is a third of a second.
        var onDisk = Task.Run(() => uploads.FlushData(record), CancellationToken.None);
        uploads.MarkCompleting(record, true);
        try
        {
            // Receiving spans the upload's life, pauses and resumes included: what the uploader waited.
            var receiving = (time.GetUtcNow() - record.CreatedAt).TotalSeconds;
            var hashing = Stopwatch.GetTimestamp();
            var sha512 = await uploads.Sha512OfAsync(record, cancellationToken);
            var timings = new ItemTimings { ReceivingSeconds = Math.Max(0, receiving), HashingSeconds = Stopwatch.GetElapsedTime(hashing).TotalSeconds };
            var claims = new UploadClaims(record.FileName, record.ConversionType, record.Sha512, record.ClientId, record.Directory);
            var staged = StagedFile.OfResumableUpload(files, uploads.FolderOf(record.UploadId), uploads.DataOf(record.UploadId), record.Length, sha512, timings, onDisk);
            var (item, created) = await ingest.IngestAsync(staged, claims, cancellationToken);
            // Content the broker had already: the bytes were dropped without waiting for their fsync.
            if (!created) await onDisk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            uploads.MarkCompleted(record, item.ItemId);
            return item;
        }
        catch (Rejection)
        {
            await onDisk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            uploads.Remove(record.UploadId);
            throw;
        }
        catch
        {
            await onDisk.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            uploads.MarkCompleting(record, false); // stopped: the bytes wait in their folder for the next try
            throw;
        }
    }

    /// <summary>
    /// The item an upload became before the stop: same content and conversion type, or, where the upload named no
    /// conversion type (the broker's default was taken), same content by the same client since the upload began.
    /// </summary>
    private Item? ItemMadeBy(TusUploadRecord record)
    {
        if (record.Sha512 is not { } sha) return null;
        if (record.ConversionType is { } type) return store.FindByContent(sha, type, record.ClientId);
        return store.List(new ItemQuery { Sha512Checksum = sha, ClientId = record.ClientId, Limit = ItemQuery.MaxLimit }).Items
            .FirstOrDefault(item => item.CreatedAt >= record.CreatedAt);
    }

    /// <summary>
    /// Uploads a stop caught between their last byte and their item: either the folder already became the item (only
    /// the receipt is missing) or the bytes wait whole in their folder and are made an item now.
    /// </summary>
    public async Task ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        foreach (var record in uploads.All.Where(record => record.ItemId is null).ToList())
        {
            using var held = uploads.TryLock(record.UploadId);
            if (held is null) continue; // a client is on it
            if (!files.Directory.Exists(uploads.FolderOf(record.UploadId)))
            {
                var item = ItemMadeBy(record);
                if (item is not null) uploads.MarkCompleted(record, item.ItemId);
                else uploads.Remove(record.UploadId);
                continue;
            }
            if (uploads.OffsetOf(record) != record.Length) continue;
            try
            {
                var item = await CompleteAsync(record, cancellationToken);
                logger.LogInformation("Upload {UploadId} had all its bytes before the broker stopped; it is item {ItemId}", record.UploadId, item.ItemId);
            }
            catch (Rejection rejection)
            {
                logger.LogWarning("Upload {UploadId} was complete but is refused: {Reason}", record.UploadId, rejection.Message);
            }
        }
    }
}
