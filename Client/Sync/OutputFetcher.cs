using System.IO.Abstractions;
using System.Net;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Client.Transfers;
using MediaBroker.Client.Watching;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using Polly.CircuitBreaker;

namespace MediaBroker.Client.Sync;

/// <summary>
/// Brings a finished item's output home: downloads it (resuming a partial file), checks its sha512, moves it into
/// place under the output rules, then does what after_success says with the source. An output already in place
/// with the right sha512 is recognised rather than fetched twice.
/// </summary>
public sealed class OutputFetcher(ClientDatabase database, FolderScanner scanner, IFileSystem files, OutputPlacement placement, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TellTimeout = TimeSpan.FromSeconds(30);

    public async Task FetchAsync(TrackedFile file, BrokerConnection broker, Item item, CancellationToken cancellationToken)
    {
        var root = file.Manual ? null : scanner.RootOf(file.Path);
        // Named before the upload (OutputNaming); a record from before that names it now.
        var target = file.OutputPath ?? OutputPlacement.TargetFor(root, file.Path, item.Output!.FileName, item.ConversionType);
        if (database.Put(file with { Status = FileStatus.Downloading, OutputPath = target }) is not { } downloading) return; // changed meanwhile: next pass
        file = downloading;
        try
        {
            if (await FindPlacedAsync(target, item.Output!, cancellationToken) is { } already)
            {
                // Placed before, but the client stopped before it could note that: not fetched (or numbered) twice.
                logger.LogInformation("{File} -> {Output} was in place already (sha512 verified)", file.Path, already);
                await FinishAsync(root, file, already, item.Output!, cancellationToken);
                await TellPlacedAsync(database.Get(file.Path)!, broker, cancellationToken);
                return;
            }
            files.Directory.CreateDirectory(files.Path.GetDirectoryName(target)!);
            var partial = await new OutputDownloader(broker.Http, files, StallTimeout, time)
                .DownloadAsync(item, OutputPlacement.PartialFor(target, item.ItemId), null, cancellationToken);
            var placed = placement.MoveIntoPlace(partial, target, root?.WhenOutputExists ?? OutputCollision.Number);
            if (placed is null)
            {
                logger.LogWarning("{Target} exists already; it is kept and the new output dropped (when_output_exists: skip)", target);
                database.Put(file with { Status = FileStatus.Skipped, OutputPath = null, Errors = [$"{target} existed already and was kept"] });
                return;
            }
            logger.LogInformation("{File} -> {Output} (sha512 verified)", file.Path, placed);
            await FinishAsync(root, file, placed, item.Output!, cancellationToken);
            await TellPlacedAsync(database.Get(file.Path)!, broker, cancellationToken);
        }
        catch (Exception error) when (error is BrokerUnavailableException or BrokenCircuitException or HttpRequestException)
        {
            broker.MarkAway(error.Message);
            logger.LogInformation("{Broker} went away during the download of {File}; it resumes later", broker.Id, file.Path);
        }
        catch (BrokerRejectedException error) when (error.Status == HttpStatusCode.Gone)
        {
            // The broker removed the output (not fetched in time, or placed by this client before): nothing left to fetch.
            logger.LogWarning("The output of {File} is no longer on {Broker}: {Reason}", file.Path, broker.Id, error.Detail);
            database.Put(file with { Status = FileStatus.Failed, OutputPath = null, Errors = [error.Detail] });
        }
        catch (BrokerRejectedException error) when (error.Status == HttpStatusCode.NotFound)
        {
            database.Put(file with { Status = FileStatus.Ready, ServerId = null, ItemId = null, OutputPath = null });
        }
        catch (Exception error) when (error is OutputCorruptException or IOException or UnauthorizedAccessException or BrokerRejectedException)
        {
            logger.LogWarning("Fetching the output of {File} failed: {Reason}; tried again next time", file.Path, error.Message);
        }
    }

    /// <summary>
    /// What after_success says, then the note that the file is done: in this order, so that a client stopped between
    /// the two finds the file still to finish (its output in place) and does the rest, instead of never doing it.
    /// </summary>
    private async Task FinishAsync(ObservedPath? root, TrackedFile file, string placed, ItemOutput output, CancellationToken cancellationToken)
    {
        if (!await placement.HandleSourceAsync(root, file.Path, file.Sha512Checksum, cancellationToken))
            logger.LogWarning("{File} changed after it was sent; it is kept (not {Action}) and taken again as a new file", file.Path,
                root!.AfterSuccess == SourceAfterSuccess.Delete ? "deleted" : "moved");
        database.Put(file with { Status = FileStatus.Done, OutputPath = placed, OutputSha512 = output.Sha512Checksum, Errors = [] });
        await database.SaveAsync(cancellationToken);
    }

    /// <summary>
    /// Tells the broker a done file's output is placed and verified, so that it can free its copy. Never fails the
    /// placement: a broker that does not answer hears it at the next pass; one that has no such finished item any more
    /// (404, 409) has nothing to free.
    /// </summary>
    public async Task TellPlacedAsync(TrackedFile file, BrokerConnection broker, CancellationToken cancellationToken)
    {
        if (file is not { Status: FileStatus.Done, BrokerToldAt: null, ItemId: { } itemId }) return;
        try
        {
            await broker.CallAsync(ct => broker.Api.MarkFetchedAsync(itemId, ct), TellTimeout, cancellationToken);
        }
        catch (BrokerRejectedException error) when (error.Status is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            logger.LogInformation("{Broker} has no finished item {ItemId} to free any more: {Reason}", broker.Id, itemId, error.Detail);
        }
        catch (Exception error) when (error is BrokerUnavailableException or BrokenCircuitException or HttpRequestException or BrokerRejectedException)
        {
            logger.LogInformation("Could not tell {Broker} that {File} is placed ({Reason}); told at the next pass", broker.Id, file.Path, error.Message);
            return;
        }
        if (database.Get(file.Path) is { Status: FileStatus.Done, BrokerToldAt: null } current && current.ItemId == itemId)
            database.Put(current with { BrokerToldAt = time.GetUtcNow() });
    }

    /// <summary>Where this output was placed already (its target, or a numbered name beside it), by size and sha512; null when nowhere.</summary>
    private async Task<string?> FindPlacedAsync(string target, ItemOutput output, CancellationToken cancellationToken)
    {
        foreach (var candidate in OutputPlacement.CandidatesFor(target))
        {
            var existing = files.FileInfo.New(candidate);
            if (!existing.Exists) return null; // numbered names are taken in order: none further on
            if (existing.Length == output.FileSize && await Sha512Hex.OfFileAsync(files, candidate, cancellationToken) == output.Sha512Checksum)
                return candidate;
        }
        return null;
    }
}
