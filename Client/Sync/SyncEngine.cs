using MediaBroker.Client.Brokers;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Client.Transfers;
using MediaBroker.Client.Watching;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using Polly.CircuitBreaker;

namespace MediaBroker.Client.Sync;

/// <summary>How things stand after a pass.</summary>
/// <param name="Sent">Files handed to a broker in this pass; when more wait to be sent, the next pass should follow at once.</param>
public sealed record PassReport(int Pending, int Done, int Failed, int Refused, DateTimeOffset? NextStableAt, int Sent, int WaitingToBeSent);

/// <summary>
/// One pass of the client's work: ask the brokers how they are, look at the watched folders, hand stable files to a
/// broker (resuming unfinished uploads), follow what the brokers convert, fetch and place finished outputs.
/// Every step is recorded in the item database first, so a pass cut off at any point resumes at the next.
/// </summary>
public sealed class SyncEngine(
    ClientSettings settings, ClientDatabase database, BrokerDirectory brokers, FolderScanner scanner, OutputNaming naming, OutputFetcher fetcher, TimeProvider time,
    ILogger<SyncEngine> logger)
{
    private static readonly TimeSpan ShortCall = TimeSpan.FromSeconds(30);
    private TimeSpan Failover => TimeSpan.FromMinutes(settings.FailoverAfterMinutes);

    public async Task<PassReport> RunPassAsync(bool scan, CancellationToken cancellationToken)
    {
        await brokers.RefreshAsync(cancellationToken);
        await database.SaveAsync(cancellationToken); // takes in what retry or upload changed since the last pass
        DateTimeOffset? nextStable = null;
        if (scan) nextStable = await scanner.ScanAsync(cancellationToken);
        await database.SaveAsync(cancellationToken);
        var sent = await HandOverAsync(cancellationToken);
        await FollowAsync(cancellationToken);
        await database.SaveAsync(cancellationToken);
        var all = database.All();
        return new PassReport(all.Count(file => file.IsPending), all.Count(file => file.Status == FileStatus.Done),
            all.Count(file => file.Status == FileStatus.Failed), all.Count(file => file.Status == FileStatus.Refused), nextStable,
            sent, all.Count(file => file.Status is FileStatus.Ready or FileStatus.Uploading));
    }

    /// <summary>
    /// Stable files go to a broker: the one an unfinished upload started on if it is there, else the least loaded one
    /// up. At most parallel_transfers files per pass, each bound to its broker only as its upload starts, so that a
    /// broker that comes up meanwhile gets its share at the next pass. Each output is named before its upload starts,
    /// one file after another, so that two sources making the same name are told apart before either is converted.
    /// </summary>
    /// <returns>How many files were handed over.</returns>
    private async Task<int> HandOverAsync(CancellationToken cancellationToken)
    {
        var plan = new List<(TrackedFile File, BrokerConnection Broker)>();
        var candidates = database.All().Where(file => file.Status is FileStatus.Ready or FileStatus.Uploading)
            .OrderBy(file => file.UploadUrl is null).ThenBy(file => file.CreatedAt); // resumes first
        foreach (var file in candidates)
        {
            if (plan.Count == settings.ParallelTransfers) break;
            if (Assign(file) is { } broker && naming.Decide(file, broker) is { } named
                && database.Put(named with { Status = FileStatus.Uploading, ServerId = broker.Id, ServerAwaySince = null }) is { } uploading)
                plan.Add((uploading, broker));
        }
        await database.SaveAsync(cancellationToken);
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = settings.ParallelTransfers, CancellationToken = cancellationToken },
            async (entry, token) => await HandOverAsync(entry.File, entry.Broker, token));
        return plan.Count;
    }

    private BrokerConnection? Assign(TrackedFile file)
    {
        if (brokers.Get(file.ServerId) is not { } current)
            return brokers.Choose(file.MediaType!, file.ConversionType);
        if (current.IsUp) return current;
        if (!StillWaitingFor(file)) return null;
        logger.LogWarning("{Broker} has been away for {Minutes} minutes; {File} goes to another broker", current.Id, settings.FailoverAfterMinutes, file.Path);
        return brokers.Choose(file.MediaType!, file.ConversionType, avoid: current.Id);
    }

    /// <summary>Notes that the file's broker is away; true once it has been away longer than failover_after_minutes.</summary>
    private bool StillWaitingFor(TrackedFile file)
    {
        var now = time.GetUtcNow();
        if (file.ServerAwaySince is not { } since)
        {
            database.Put(file with { ServerAwaySince = now });
            return false;
        }
        return now - since >= Failover;
    }

    private async Task HandOverAsync(TrackedFile file, BrokerConnection broker, CancellationToken cancellationToken)
    {
        try
        {
            var conversionType = file.ConversionType ?? broker.Info?.DefaultConversionTypes.GetValueOrDefault(file.MediaType!)
                ?? throw new BrokerUnavailableException(broker.Api.BaseAddress, "it has no default conversion type for " + file.MediaType);
            // Ask first: the broker may have this content from this client already (sent before a crash, or from another
            // folder). Another client's copy is not ours to follow: a broker with tokens would not even show it.
            var known = await broker.CallAsync(ct => broker.Api.ListAsync(new Dictionary<string, string?>
            {
                ["sha512"] = file.Sha512Checksum, ["conversion_type"] = conversionType, ["client_id"] = settings.EffectiveClientId,
            }, ct), ShortCall, cancellationToken);
            // One whose files the broker removed unfetched (or failed) is history: the content is sent again.
            if (known.Items.FirstOrDefault(item => item.FilesRemovedBecause is null or FilesRemovalReason.Fetched) is { } existing)
            {
                Converting(file, broker, existing.ItemId, conversionType);
                return;
            }
            var source = new FileInfo(file.Path);
            if (!source.Exists || source.Length != file.FileSize || new DateTimeOffset(source.LastWriteTimeUtc) != file.ModifiedAt)
            {
                database.Put(file with { Status = FileStatus.Waiting, SeenUnchangedSince = time.GetUtcNow(), UploadUrl = null });
                return;
            }

            var metadata = new Dictionary<string, string>
            {
                ["filename"] = Path.GetFileName(file.Path), ["conversion_type"] = conversionType,
                ["sha512"] = file.Sha512Checksum!, ["client_id"] = settings.EffectiveClientId,
            };
            var uploader = new TusUploader(broker.Http, settings.ChunkSizeMib << 20, time);
            var resumeAt = file.UploadUrl ?? await uploader.FindUnfinishedAsync(file.Sha512Checksum!, settings.EffectiveClientId, conversionType, cancellationToken);
            var result = await uploader.UploadAsync(file.Path, resumeAt, metadata, async location =>
            {
                database.Put(database.Get(file.Path)! with { UploadUrl = location });
                await database.SaveAsync(cancellationToken);
            }, null, cancellationToken);
            Converting(database.Get(file.Path)!, broker, result.ItemId, conversionType);
        }
        catch (UploadGoneException)
        {
            database.Put(database.Get(file.Path)! with { UploadUrl = null }); // a new upload next time
        }
        catch (Exception error) when (error is BrokerUnavailableException or BrokenCircuitException or HttpRequestException)
        {
            broker.MarkAway(error.Message);
            logger.LogInformation("{Broker} went away while receiving {File}; it resumes there when it is back", broker.Id, file.Path);
            database.Put(database.Get(file.Path)! with { ServerAwaySince = time.GetUtcNow() });
        }
        catch (BrokerRejectedException error)
        {
            Rejected(database.Get(file.Path)!, broker, error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) // the source went unreadable
        {
            logger.LogWarning("Cannot send {File}: {Reason}; it is taken again once it is stable", file.Path, error.Message);
            database.Put(database.Get(file.Path)! with { Status = FileStatus.Waiting, SeenUnchangedSince = time.GetUtcNow(), UploadUrl = null });
        }
    }

    private void Converting(TrackedFile file, BrokerConnection broker, Guid itemId, string conversionType)
    {
        database.Put(file with
        {
            Status = FileStatus.Converting, ServerId = broker.Id, ItemId = itemId, ConversionType = conversionType,
            UploadUrl = null, ServerAwaySince = null, LastCheckedAt = time.GetUtcNow(), Errors = [],
        });
        logger.LogInformation("{File} is item {ItemId} on {Broker}", file.Path, itemId, broker.Id);
    }

    private void Rejected(TrackedFile file, BrokerConnection broker, BrokerRejectedException error)
    {
        switch ((int)error.Status)
        {
            case 507: // that broker is full: another one may take it
                logger.LogWarning("{Broker} has no room for {File}: {Detail}", broker.Id, file.Path, error.Detail);
                database.Put(file with { Status = FileStatus.Ready, ServerId = null, UploadUrl = null, Errors = [error.Detail] });
                break;
            case 422: // what arrived is not what was hashed: the file changed; hash it again
                database.Put(file with { Status = FileStatus.Waiting, SeenUnchangedSince = time.GetUtcNow(), UploadUrl = null });
                break;
            case 408 or 409 or 423 or 460: // a transfer hiccup: resume next pass
                break;
            default:
                logger.LogWarning("{Broker} refuses {File}: {Detail}", broker.Id, file.Path, error.Detail);
                database.Put(file with { Status = FileStatus.Refused, UploadUrl = null, Errors = [error.Detail] });
                break;
        }
    }

    /// <summary>Asks each broker about the items it converts for this client; fetches the finished ones.</summary>
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var finished = new List<(TrackedFile File, BrokerConnection Broker, Item Item)>();
        foreach (var group in database.All().Where(file => file.Status is FileStatus.Converting or FileStatus.Downloading).GroupBy(file => file.ServerId))
        {
            if (brokers.Get(group.Key) is not { } broker)
            {
                foreach (var file in group) database.Put(file with { Status = FileStatus.Ready, ServerId = null, ItemId = null });
                continue;
            }
            if (!broker.IsUp)
            {
                foreach (var file in group.Where(StillWaitingFor))
                {
                    logger.LogWarning("{Broker} has been away too long; {File} is sent to another broker", broker.Id, file.Path);
                    database.Put(database.Get(file.Path)! with { Status = FileStatus.Ready, ServerId = null, ItemId = null, ServerAwaySince = null });
                }
                continue;
            }
            finished.AddRange(await PollAsync(broker, group.ToList(), cancellationToken));
        }
        await Parallel.ForEachAsync(finished, new ParallelOptions { MaxDegreeOfParallelism = settings.ParallelTransfers, CancellationToken = cancellationToken },
            async (entry, token) => await fetcher.FetchAsync(entry.File, entry.Broker, entry.Item, token));
        // Placed outputs a broker did not hear of yet (it was away): told now, so that it can free its copy.
        foreach (var file in database.All().Where(file => file is { Status: FileStatus.Done, BrokerToldAt: null, ItemId: not null }).ToList())
            if (brokers.Get(file.ServerId) is { IsUp: true } broker) await fetcher.TellPlacedAsync(file, broker, cancellationToken);
    }

    private async Task<List<(TrackedFile, BrokerConnection, Item)>> PollAsync(BrokerConnection broker, List<TrackedFile> files, CancellationToken cancellationToken)
    {
        var finished = new List<(TrackedFile, BrokerConnection, Item)>();
        foreach (var batch in files.Chunk(500))
        {
            ItemPage page;
            try
            {
                page = await broker.CallAsync(ct => broker.Api.ListAsync(new Dictionary<string, string?>
                {
                    ["ids"] = string.Join(',', batch.Select(file => file.ItemId)),
                }, ct), ShortCall, cancellationToken);
            }
            catch (Exception error) when (error is BrokerUnavailableException or BrokenCircuitException)
            {
                broker.MarkAway(error.Message);
                return finished;
            }
            var items = page.Items.ToDictionary(item => item.ItemId);
            var now = time.GetUtcNow();
            foreach (var file in batch)
            {
                if (!items.TryGetValue(file.ItemId!.Value, out var item))
                {
                    logger.LogWarning("{Broker} no longer has item {ItemId} of {File}; it is sent again", broker.Id, file.ItemId, file.Path);
                    database.Put(file with { Status = FileStatus.Ready, ServerId = null, ItemId = null });
                }
                else if (item.Status == ItemStatus.FinishedSuccessful && item.Output is not null) finished.Add((file, broker, item));
                else if (item.Status == ItemStatus.FinishedSuccessful)
                    // A broker that says finished but names no output (an older broker interrupted at the wrong moment): asked again later.
                    logger.LogWarning("{Broker} reports item {ItemId} of {File} finished but names no output; asked again later", broker.Id, item.ItemId, file.Path);
                else if (item.Status == ItemStatus.FinishedWithErrors)
                {
                    logger.LogWarning("{Broker} could not convert {File}: {Reason} (media-client retry {ItemId} tries again)", broker.Id, file.Path,
                        item.Errors.FirstOrDefault(), item.ItemId);
                    database.Put(file with { Status = FileStatus.Failed, Errors = item.Errors, LastCheckedAt = now });
                }
                else database.Put(file with { LastCheckedAt = now, ServerAwaySince = null });
            }
        }
        return finished;
    }
}
