using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Converts one item: claim it (to_do -> in_progress), run ffmpeg into a partial file, read the result back with
/// ffprobe, record its sha512, then finished_successful; any failure ends in finished_with_errors with the reason.
/// A stop returns the item to to_do with nothing partial left behind.
/// </summary>
public sealed class ItemConverter(
    ItemStore store, ProcessRunner runner, MediaProbe probe, BrokerSettings settings, ConversionJobs jobs,
    DataFolderLoss loss, TimeProvider time, ILogger<ItemConverter> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private const int ErrorLinesKept = 12;

    public async Task ConvertAsync(Guid itemId, CancellationToken stopping)
    {
        if (stopping.IsCancellationRequested) return;
        var item = await store.UpdateAsync(itemId, current => current.Status == ItemStatus.ToDo
            ? current with { Status = ItemStatus.InProgress, Progress = 0, Errors = [] }
            : null, CancellationToken.None);
        if (item is null) return; // deleted, or taken already

        var job = jobs.Start(itemId, stopping);
        try
        {
            logger.LogInformation("Converting {ItemId} ({FileName}) with {ConversionType}", itemId, item.OriginalFileName, item.ConversionType);
            await RunAsync(item, job);
        }
        catch (OperationCanceledException) when (job.Token.IsCancellationRequested)
        {
            await AfterStopAsync(item, job);
        }
        catch (Exception) when (loss.IsLost)
        {
            // Whatever failed, failed because the files went away, not because of the item: convert it again later.
            logger.LogWarning("Conversion of {ItemId} was interrupted: the data folder is gone", itemId);
            await loss.WaitUntilRestoredAsync(stopping);
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
        var input = Path.Combine(folder, ItemFiles.Input);
        var partial = Path.Combine(folder, ItemFiles.PartialOutput(profile.OutputExtension));
        if (!File.Exists(input))
        {
            await FailAsync(item.ItemId, ["the uploaded file is missing from the broker's disk"]);
            return;
        }
        var media = item.Media ?? (await probe.ProbeAsync(input, job.Token)).Media;
        if (media is null)
        {
            await FailAsync(item.ItemId, ["the uploaded file is not media ffmpeg can read"]);
            return;
        }

        var timeout = settings.ConversionTimeout(media.DurationSeconds);
        var result = await runner.RunAsync(new ProcessRequest(settings.FfmpegPath, FfmpegArguments.Build(profile, input, partial, media))
        {
            OnOutputLine = ProgressReporter(item.ItemId, media.DurationSeconds),
            Timeout = timeout,
            ItemId = item.ItemId,
            ErrorTailLines = ErrorLinesKept,
        }, job.Token);

        switch (result.Outcome)
        {
            case ProcessOutcome.Stopped:
                DeleteQuietly(partial);
                await AfterStopAsync(item, job);
                return;
            case ProcessOutcome.TimedOut:
                DeleteQuietly(partial);
                await FailAsync(item.ItemId, [$"ffmpeg was stopped after {timeout.TotalMinutes:0.#} minutes without finishing "
                    + "(the limit is conversion_timeout_factor times the input's duration, at least conversion_timeout_min_seconds)"]);
                return;
            case ProcessOutcome.Exited when result.ExitCode != 0:
                DeleteQuietly(partial);
                await FailAsync(item.ItemId, [$"ffmpeg failed with exit code {result.ExitCode}", .. result.ErrorTail.Select(line => HidePaths(line, folder))]);
                return;
        }

        var (outputMedia, probeProblem) = await probe.ProbeAsync(partial, job.Token);
        if (OutputVerifier.FindProblem(media, outputMedia, probeProblem, profile) is { } problem)
        {
            DeleteQuietly(partial);
            await FailAsync(item.ItemId, [problem]);
            return;
        }
        await FinishAsync(item, profile, partial, job);
    }

    private async Task FinishAsync(Item item, ConversionProfile profile, string partial, ConversionJob job)
    {
        var sha512 = await Sha512Hex.OfFileAsync(partial, job.Token);
        var folder = Path.GetDirectoryName(partial)!;
        var output = Path.Combine(folder, ItemFiles.Output(profile.OutputExtension));
        File.Move(partial, output, overwrite: true);
        DirectorySync.Flush(folder);
        var size = new FileInfo(output).Length;

        var finished = await store.UpdateAsync(item.ItemId, current => current.Status == ItemStatus.InProgress
            ? current with
            {
                Status = ItemStatus.FinishedSuccessful,
                Output = new ItemOutput(FileNames.WithExtension(current.CurrentFileName, profile.OutputExtension), sha512, size),
                Progress = 1, Fps = null, Speed = null, EtaSeconds = null,
            }
            : null, CancellationToken.None);
        // The input goes only once the verified output is on record: nothing handed over is lost on the way.
        if (finished is not null && !settings.KeepInputs)
            DeleteQuietly(Path.Combine(store.FolderOf(finished), ItemFiles.Input));
        logger.LogInformation("Converted {ItemId} into {Size} bytes", item.ItemId, size);
    }

    private async Task AfterStopAsync(Item item, ConversionJob job)
    {
        if (job.EffectiveReason == StopReason.Deleted) return; // the DELETE removes the whole folder next
        await store.UpdateAsync(item.ItemId, current => current.Status == ItemStatus.InProgress
            ? current with { Status = ItemStatus.ToDo, Progress = null, Fps = null, Speed = null, EtaSeconds = null }
            : null, CancellationToken.None);
        logger.LogInformation("Conversion of {ItemId} stopped; the item is back in to_do", item.ItemId);
    }

    private Task FailAsync(Guid itemId, IReadOnlyList<string> errors)
    {
        // ffmpeg or ffprobe failing because the folder vanished under them says nothing about the item.
        if (loss.IsLost) throw new DataFolderLostException();
        logger.LogWarning("Conversion of {ItemId} failed: {Reason}", itemId, errors[0]);
        return store.UpdateAsync(itemId, current => current.Status == ItemStatus.InProgress
            ? current with { Status = ItemStatus.FinishedWithErrors, Errors = errors, Progress = null, Fps = null, Speed = null, EtaSeconds = null }
            : null, CancellationToken.None);
    }

    private Action<string> ProgressReporter(Guid itemId, double? durationSeconds)
    {
        var parser = new ProgressParser();
        var lastReport = DateTimeOffset.MinValue;
        return line =>
        {
            if (parser.Feed(line) is not { } sample) return;
            var now = time.GetUtcNow();
            if (now - lastReport < ProgressInterval && !sample.Ended) return;
            lastReport = now;
            var (fraction, eta) = ProgressParser.Estimate(sample, durationSeconds);
            store.ReportProgress(itemId, fraction, sample.Fps, sample.Speed, eta);
        };
    }

    private static string HidePaths(string line, string folder) =>
        line.Replace("file:" + folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)
            .Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);

    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { }
    }
}
