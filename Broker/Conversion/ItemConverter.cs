using System.Diagnostics;
using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Pictures;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Converts one item: claim it (to_do -> in_progress), convert into a partial file (ffmpeg for video and audio, libvips
/// for pictures), read the result back, record its sha512, then finished_successful; any failure ends in finished_with_errors with the reason.
/// A stop, whoever asked for it, returns the item to to_do with nothing partial left behind: it never fails an item.
/// </summary>
public sealed class ItemConverter(
    ItemStore store, IFileSystem files, MediaInspector inspector, FfmpegConversion ffmpeg, PictureConversion pictures, BrokerSettings settings,
    ConversionJobs jobs, DataFolderLoss loss, LibraryPlacer library, TimeProvider time, ILogger<ItemConverter> logger)
{    public static readonly TimeSpan RequeueRetry = TimeSpan.FromSeconds(5);

    public async Task ConvertAsync(Guid itemId, CancellationToken stopping)
    {
        if (stopping.IsCancellationRequested) return;
        // An item whose input is still being fetched is the fetcher's (see Fetching/LinkFetches), not a converter's.
        var item = await store.UpdateAsync(itemId, current => current is { Status: ItemStatus.ToDo, Phase: null }
            ? current with { Status = ItemStatus.InProgress, Progress = 0, Errors = [] }
            : null, CancellationToken.None);
        if (item is null) return; // deleted, or taken already

        var job = jobs.Start(itemId, stopping);
        try
        {
            logger.LogInformation("Converting {ItemId} ({FileName}) with {ConversionType}", itemId, item.OriginalFileName, item.ConversionType);
            await RunAsync(item, job);
        }
        catch (OperationCanceledException)
        {
            // This job's own stop (DELETE, shutdown), or the registry stopping every program at shutdown.
            await AfterStopAsync(item, job);
        }
        catch (Exception) when (loss.IsLost)
        {
            // Whatever failed, failed because the files went away, not because of the item: convert it again later.
            logger.LogWarning("Conversion of {ItemId} was interrupted: the data folder is gone", itemId);
            await loss.WaitUntilRestoredAsync(stopping);
            await AfterStopAsync(item, job);
        }
        catch (IOException error) when (DiskSpace.IsDiskFull(error))
        {
            // The disk, not the item: it goes back in line, and conversions wait for room (see ConversionWorkers).
            logger.LogWarning("Conversion of {ItemId} ran out of disk space; the item goes back to to_do", itemId);
            await AfterStopAsync(item, job);
        }
        catch (Exception error)
        {
            logger.LogError(error, "Conversion of {ItemId} failed unexpectedly", itemId);
            await FailAsync(itemId, [$"the broker could not convert this item: {error.Message}"]);
        }
        finally
        {
            jobs.Finish(job);
            job.Dispose();
        }
    }

    private async Task RunAsync(Item item, ConversionJob job)
    {
        if (settings.Profile(item.ConversionType) is not { } profile)
        {
            await FailAsync(item.ItemId, [$"conversion type '{item.ConversionType}' is no longer offered by this broker"]);
            return;
        }
        var folder = store.FolderOf(item);
        var input = files.Path.Combine(folder, ItemFiles.Input);
        var partial = files.Path.Combine(folder, ItemFiles.PartialOutput(profile.OutputExtension));
        if (!files.File.Exists(input))
        {
            await FailAsync(item.ItemId, ["the uploaded file is missing from the broker's disk"]);
            return;
        }
        var media = item.Media ?? (await inspector.InspectAsync(input, job.Token)).Media;
        if (media is null)
        {
            await FailAsync(item.ItemId, ["the uploaded file is not media the broker can read"]);
            return;
        }

        IMediaConversion conversion = media.Type == MediaTypes.Image ? pictures : ffmpeg;
        var converting = Stopwatch.GetTimestamp();
        var failure = await conversion.ConvertAsync(item.ItemId, profile, media, input, partial, LibraryTitle.ForMetadata(item), job.Token);
        var timings = new ConversionTimings(Stopwatch.GetElapsedTime(converting).TotalSeconds, Stopwatch.GetTimestamp());
        if (failure is not null)
        {
            files.DeleteFileQuietly(partial);
            await FailAsync(item.ItemId, failure, timings);
            return;
        }
        string? problem;
        try
        {
            problem = await conversion.VerifyAsync(profile, media, partial, job.Token);
        }
        catch
        {
            files.DeleteFileQuietly(partial);
            throw;
        }
        if (problem is not null)
        {
            files.DeleteFileQuietly(partial);
            await FailAsync(item.ItemId, [problem], timings);
            return;
        }
        await FinishAsync(item, profile, partial, job, timings);
    }

    /// <summary>The seconds in ffmpeg or libvips, and when verifying the output (read back, then hashed) began.</summary>
    private readonly record struct ConversionTimings(double ConvertingSeconds, long VerifyingSince)
    {
        public ItemTimings AddTo(ItemTimings? timings) => (timings ?? new ItemTimings()) with
        {
            ConvertingSeconds = ConvertingSeconds, VerifyingSeconds = Stopwatch.GetElapsedTime(VerifyingSince).TotalSeconds,
        };
    }

    private async Task FinishAsync(Item item, ConversionProfile profile, string partial, ConversionJob job, ConversionTimings timings)
    {
        var sha512 = await Sha512Hex.OfFileAsync(files, partial, job.Token);
        var folder = files.Path.GetDirectoryName(partial)!;
        var output = files.Path.Combine(folder, ItemFiles.Output(profile.OutputExtension));
        files.File.Move(partial, output, overwrite: true);
        files.FlushFolder(folder);
        var size = files.FileInfo.New(output).Length;

        var finished = await store.UpdateAsync(item.ItemId, current => current.Status == ItemStatus.InProgress
            ? current with
            {
                Status = ItemStatus.FinishedSuccessful,
                Output = new ItemOutput(FileNames.WithExtension(current.CurrentFileName, profile.OutputExtension), sha512, size),
                Progress = 1, Fps = null, Speed = null, EtaSeconds = null,
                Timings = timings.AddTo(current.Timings),
            }
            : null, CancellationToken.None);
        // The input goes only once the verified output is on record: nothing handed over is lost on the way.
        if (finished is not null && !settings.KeepInputs)
            files.DeleteFileQuietly(files.Path.Combine(store.FolderOf(finished), ItemFiles.Input));
        logger.LogInformation("Converted {ItemId} into {Size} bytes", item.ItemId, size);
        if (finished is not null) await library.PlaceOnceFinishedAsync(item.ItemId, job.Token);
    }

    /// <summary>
    /// Puts an item whose outcome could not be recorded back in to_do as soon as the disk lets it, trying again every
    /// few seconds; a stop leaves it in in_progress, which the next start returns to to_do.
    /// </summary>
    public async Task RequeueWhenPossibleAsync(Guid itemId, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                await store.UpdateAsync(itemId, current => current.Status == ItemStatus.InProgress
                    ? current with { Status = ItemStatus.ToDo, Progress = null, Fps = null, Speed = null, EtaSeconds = null }
                    : null, CancellationToken.None);
                return;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Item {ItemId} cannot go back to to_do yet ({Reason}); trying again in {Delay}", itemId, error.Message, RequeueRetry);
                await Task.Delay(RequeueRetry, time, stopping);
            }
        }
    }

    private async Task AfterStopAsync(Item item, ConversionJob job)
    {
        if (job.EffectiveReason == StopReason.Deleted) return; // the DELETE removes the whole folder next
        await store.UpdateAsync(item.ItemId, current => current.Status == ItemStatus.InProgress
            ? current with { Status = ItemStatus.ToDo, Progress = null, Fps = null, Speed = null, EtaSeconds = null }
            : null, CancellationToken.None);
        logger.LogInformation("Conversion of {ItemId} stopped; the item is back in to_do", item.ItemId);
    }

    private Task FailAsync(Guid itemId, IReadOnlyList<string> errors, ConversionTimings? timings = null)
    {
        // ffmpeg or ffprobe failing because the folder vanished under them says nothing about the item.
        if (loss.IsLost) throw new DataFolderLostException();
        logger.LogWarning("Conversion of {ItemId} failed: {Reason}", itemId, errors[0]);
        return store.UpdateAsync(itemId, current => current.Status == ItemStatus.InProgress
            ? current with
            {
                Status = ItemStatus.FinishedWithErrors, Errors = errors, Progress = null, Fps = null, Speed = null, EtaSeconds = null,
                Timings = timings is { } spent ? spent.AddTo(current.Timings) : current.Timings,
            }
            : null, CancellationToken.None);
    }
}
