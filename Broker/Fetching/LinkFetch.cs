using System.Diagnostics;
using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// Fetches one item's input from its link and makes it an item like any upload: fetch into
/// <see cref="ItemFiles.FetchingInput"/> (progress on the item as it goes), hash it, probe it as an upload is probed
/// (<see cref="ItemIngest.InspectAsync"/>), record the page's details, and leave it in to_do for the converters.
/// Content the client already had converted with this conversion type is not converted twice: the item shares that
/// item's output (a hard link), says so in <see cref="Item.SameContentAs"/>, and is placed in the library like a
/// converted one. A fetch that fails, fetches what is not media this broker converts, or finds no room left on the disk
/// (min_free_bytes, see <see cref="FetchRoom"/>) ends the item in finished_with_errors with the reason; a stop leaves it
/// awaiting its input, with the bytes fetched so far.
/// </summary>
public sealed class LinkFetch(
    ItemStore store, IInputFetcher fetcher, ItemIngest ingest, LibraryPlacer library, UploadLimits limits, IFileSystem files, BrokerSettings settings,
    TimeProvider time, ILogger<LinkFetch> logger)
{
    public async Task RunAsync(Guid itemId, ConversionJob job)
    {
        if (job.Token.IsCancellationRequested) return;
        // Claimed with a first progress: the item is followed in memory from now on (see ItemCatalog).
        var item = await store.UpdateAsync(itemId, current => current.IsAwaitingInput() ? current with { Download = new ItemDownload(0, null, 0, null) } : null,
            CancellationToken.None);
        if (item is null) return; // deleted, or fetched already
        var folder = store.FolderOf(item);
        try
        {
            logger.LogInformation("Fetching {ItemId} from {Url}", itemId, item.Source!.Url);
            var started = Stopwatch.GetTimestamp();
            var fetched = await FetchAsync(item, folder, job.Token);
            var receiving = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var input = files.Path.Combine(folder, ItemFiles.Input);

            var hashing = Stopwatch.GetTimestamp();
            var sha512 = await Sha512Hex.OfFileAsync(files, input, job.Token);
            var size = files.FileInfo.New(input).Length;
            var timings = new ItemTimings { ReceivingSeconds = receiving, HashingSeconds = Stopwatch.GetElapsedTime(hashing).TotalSeconds };
            var (media, conversionType, probing) = await ingest.InspectAsync(input, item.ConversionType, job.Token);
            timings = timings with { ProbingSeconds = probing };

            Item Arrived(Item current) => current with
            {
                Phase = null, Download = null, Sha512Checksum = sha512, FileSize = size, Media = media, ConversionType = conversionType,
                OriginalFileName = FileNames.Original(fetched.FileName), CurrentFileName = FileNames.SafeSegment(fetched.FileName),
                Source = current.Source! with { Title = fetched.Title, Uploader = fetched.Uploader, Year = fetched.Year },
                Timings = timings, QueuedAt = time.GetUtcNow(),
            };
            if (await ShareConvertedAsync(item, folder, sha512, conversionType, Arrived))
            {
                await library.PlaceOnceFinishedAsync(itemId, job.Token);
                return;
            }
            await store.UpdateAsync(itemId, current => current.IsAwaitingInput() ? Arrived(current) : null, CancellationToken.None);
            logger.LogInformation("Fetched {ItemId}: {Size} bytes of {Type}", itemId, size, media.Type);
        }
        catch (OperationCanceledException) when (job.Token.IsCancellationRequested)
        {
            // A stop keeps the bytes fetched so far for the next start; a DELETE takes the folder away anyway.
            logger.LogInformation("Fetch of {ItemId} stopped ({Reason})", itemId, job.EffectiveReason);
        }
        catch (FetchFailed failure)
        {
            await FailAsync(itemId, failure.Message);
        }
        catch (Rejection rejection)
        {
            // Fetched whole, but not media this broker converts: a retry fetches it afresh.
            files.DeleteFileQuietly(files.Path.Combine(folder, ItemFiles.Input));
            await FailAsync(itemId, $"the link gave a file this broker cannot convert: {rejection.Message}");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or HttpRequestException or TimeoutException)
        {
            logger.LogWarning(error, "Fetch of {ItemId} failed", itemId);
            await FailAsync(itemId, $"the link could not be fetched: {error.Message}");
        }
    }

    /// <summary>The input in place as <see cref="ItemFiles.Input"/>, fetched now, or earlier by a fetch that a crash cut before it was recorded.</summary>
    private async Task<FetchedInput> FetchAsync(Item item, string folder, CancellationToken cancellationToken)
    {
        var fetching = files.Path.Combine(folder, ItemFiles.FetchingInput);
        var input = files.Path.Combine(folder, ItemFiles.Input);
        if (files.File.Exists(input) && !files.File.Exists(fetching)) return new FetchedInput(item.OriginalFileName, null, null, null);

        FetchedInput fetched;
        using (var progress = new DownloadProgress(store, time, item.ItemId))
        using (var room = FetchRoom.Claim(limits, files.File.Exists(fetching) ? files.FileInfo.New(fetching).Length : 0, progress, cancellationToken))
        {
            try
            {
                fetched = await fetcher.FetchAsync(new Uri(item.Source!.Url), fetching, room, room.Token);
            }
            catch (OperationCanceledException) when (room.Refusal is { } refusal && !cancellationToken.IsCancellationRequested)
            {
                throw new FetchFailed(refusal);
            }
        }
        files.File.Move(fetching, input, overwrite: true);
        files.FlushFolder(folder);
        return fetched;
    }

    /// <summary>
    /// When the client already has this content converted with this conversion type, the item takes that output (a
    /// hard link, no second conversion) and finishes at once.
    /// </summary>
    private async Task<bool> ShareConvertedAsync(Item item, string folder, string sha512, string conversionType, Func<Item, Item> arrived)
    {
        if (store.FindByContent(sha512, conversionType, item.ClientId) is not { Status: ItemStatus.FinishedSuccessful, Output: { } output } known
            || known.ItemId == item.ItemId || settings.Profile(conversionType) is not { } profile)
            return false;
        var name = ItemFiles.Output(profile.OutputExtension);
        var linked = await store.WithItemFolderAsync(known.ItemId, (current, knownFolder) =>
        {
            var source = files.Path.Combine(knownFolder, name);
            if (current.Status != ItemStatus.FinishedSuccessful || !files.File.Exists(source)) return Task.FromResult(false);
            files.LinkOrCopy(source, files.Path.Combine(folder, name));
            return Task.FromResult(true);
        });
        if (!linked) return false;
        Item Shared(Item next) => next with
        {
            Status = ItemStatus.FinishedSuccessful, SameContentAs = known.ItemId, Progress = 1,
            Output = output with { FileName = FileNames.WithExtension(next.CurrentFileName, profile.OutputExtension) },
        };
        var finished = await store.UpdateAsync(item.ItemId, current => current.IsAwaitingInput()
            ? Shared(arrived(current))
            : null, CancellationToken.None);
        if (finished is not null && !settings.KeepInputs)
            files.DeleteFileQuietly(files.Path.Combine(store.FolderOf(finished), ItemFiles.Input));
        logger.LogInformation("Fetched {ItemId}: the same content as {Known}, whose output it shares", item.ItemId, known.ItemId);
        return true;
    }

    private async Task FailAsync(Guid itemId, string reason)
    {
        logger.LogWarning("Fetch of {ItemId} failed: {Reason}", itemId, reason);
        await store.UpdateAsync(itemId, current => current.IsAwaitingInput()
            ? current with { Status = ItemStatus.FinishedWithErrors, Phase = null, Download = null, Errors = [reason] }
            : null, CancellationToken.None);
    }
}
