using System.IO.Abstractions;
using MediaBroker.Broker.Api;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Events;
using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Health;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Retention;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Thumbnails;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Broker.Uploads.Tus;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;
using MediaBroker.Shared.Items;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace MediaBroker.Broker.Hosting;

/// <summary>
/// A broker's start and stop, in one place and in order.
/// Start, before Kestrel takes a request: claim the data folder (broker.pid), stop the ffmpeg a crashed broker left
/// behind, check ffmpeg and ffprobe while the items are recovered, drop abandoned one-shot uploads and load the
/// resumable ones, wire who follows whom; then run the index writer, the workers, the link fetches, the upload sweeper, the sweeper of finished items' files and the figures for the events.
/// Stop: the workers first (their items back to to_do), the link fetches (their bytes kept for the next start), then any program still running, the sweepers and the index
/// writer; once Kestrel has drained too, the last journal lines, and last the release of broker.pid.
/// </summary>
public sealed class BrokerLifecycle(
    BrokerSettings settings, DataFolder data, IFileSystem files, ItemStore store, IndexWriter indexWriter,
    ConversionQueue queue, ConversionWorkers workers, LinkFetches fetches, ThreadsIndex threads, RunningPrograms programs, ProgramRunner runner,
    OneShotReceiver oneShotUploads, TusUploadStore tusUploads, TusExpirySweeper tusSweeper, FinishedFilesSweeper filesSweeper, ThumbnailCache thumbnails, AnonymousAccess access, IServer server,
    EventHub events, FiguresPublisher figures, Readiness readiness, PhaseHistograms phases,
    ILogger<BrokerLifecycle> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private RunMarker? _marker;
    private int _stopped;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (access.StartProblem() is { } unsafeStart) throw new ConfigurationException(unsafeStart);
        var marker = RunMarker.Acquire(data, files);
        var recovering = false;
        try
        {
            var toolCheck = ToolCheck.EnsureAvailableAsync(settings, runner, logger, cancellationToken);
            if (!marker.PreviousRunStoppedCleanly) OrphanConversions.KillLeftovers(data, logger);
            var opening = TimeProvider.System.GetTimestamp();
            recovering = true;
            // Not cancellable: a recovery stopped half way would leave folders settled and index.json not yet saying so.
            await store.OpenAsync(marker.PreviousRunStoppedCleanly, CancellationToken.None);
            recovering = false;
            // Reading index.json took several times its size; give that back to the system once, rather than keep it.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            logger.LogInformation("Opened {Count} in {Milliseconds:0} ms ({How})", Words.Count(store.Depth().Total, "item"),
                TimeProvider.System.GetElapsedTime(opening).TotalMilliseconds,
                marker.PreviousRunStoppedCleanly ? "the last run stopped cleanly" : "the last run did not stop cleanly: folders listed, changes under way read");
            await toolCheck;
            oneShotUploads.RemoveAbandoned();
            tusUploads.Load();
            thumbnails.Load();
        }
        catch
        {
            // A recovery that failed half way keeps broker.pid, so that the next start checks every folder again.
            if (recovering) marker.Abandon();
            else marker.Dispose();
            throw;
        }
        _marker = marker;

        // Who follows whom.
        store.Changed += queue.OnItemChanged;
        store.Changed += fetches.OnItemChanged;
        store.Changed += events.OnItemChanged;
        store.Changed += phases.OnItemChanged;
        store.IndexDirty += indexWriter.MarkDirty;
        programs.Changed += threads.Write;
        queue.Add(store.InState(ItemStatus.ToDo));
        fetches.Add(store.AwaitingInput());
        threads.Write(); // nothing runs yet
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await indexWriter.StartAsync(cancellationToken);
        await workers.StartAsync(cancellationToken);
        await fetches.StartAsync(cancellationToken);
        await tusSweeper.StartAsync(cancellationToken);
        await filesSweeper.StartAsync(cancellationToken);
        await figures.StartAsync(cancellationToken);
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        readiness.Open = true;
        logger.LogInformation("MediaBroker broker {Version} listening on {Url}; data in {Data}; {Threads}; {Queued} to do",
            ServerApi.Version, ListeningUrl(server), data.Root, Words.Count(settings.NumberOfConversionThreads, "conversion thread"), Words.Count(store.Depth().ToDo, "item"));
        if (settings.AllowAnonymous && !AnonymousAccess.ListensOnLoopbackOnly(settings) && access.Allowed)
            logger.LogWarning("Access: {Access}", access.Describe());
        else
            logger.LogInformation("Access: {Access}", access.Describe());
        return Task.CompletedTask;
    }

    /// <summary>Event streams never end by themselves: they are closed first, so that Kestrel's drain does not wait for them.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.Open = false;
        events.CloseAll();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await workers.StopAsync(cancellationToken);
        await fetches.StopAsync(cancellationToken);
        await programs.StopAllAsync(cancellationToken);
        await tusSweeper.StopAsync(cancellationToken);
        await filesSweeper.StopAsync(cancellationToken);
        await figures.StopAsync(cancellationToken);
        await indexWriter.StopAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => WriteFinalSnapshotAsync();

    /// <summary>The host never ran or never stopped (a port already taken): stop and save all the same.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await WriteFinalSnapshotAsync();
    }

    /// <summary>The address the broker really listens on (port 0 in settings means "any free port").</summary>
    public static string ListeningUrl(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(not listening)";

    /// <summary>
    /// Once nothing can change any more and every change is in the journal, the next start may trust the index (see
    /// <see cref="RunMarker"/>). No snapshot is written: a stop stays quick at a million items, and a start reads
    /// the journal after index.json anyway. Lines a full disk held back leave broker.pid, so the next start checks the folders.
    /// </summary>
    private Task WriteFinalSnapshotAsync()
    {
        if (Interlocked.Exchange(ref _marker, null) is not { } marker) return Task.CompletedTask;
        if (store.Index.RetryPending()) marker.Dispose();
        else
        {
            logger.LogError("Stopped with {Count} changes not in index.journal (the disk is full?); the next start reads the item folders", store.Index.Pending);
            marker.Abandon();
        }
        return Task.CompletedTask;
    }
}
