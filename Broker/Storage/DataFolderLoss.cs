namespace MediaBroker.Broker.Storage;

/// <summary>
/// The data folder vanishing under a running broker: a USB disk pulled, a network mount dropped, an rm -rf.
/// Conversions pause until it is back and then go on by themselves; an item interrupted by it is converted again,
/// never marked failed for it. Nothing is recreated: on an unmounted disk that would fill the mount point instead.
/// </summary>
public sealed class DataFolderLoss(DataFolder data, TimeProvider time, ILogger<DataFolderLoss> logger)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private int _reported;

    public bool IsLost => data.MissingFolder() is not null;

    /// <summary>True while some work waits for the folder to come back.</summary>
    public bool IsWaiting => Volatile.Read(ref _reported) == 1;

    /// <summary>Returns at once while the folder is intact; otherwise when it is back (or the broker stops).</summary>
    public async Task WaitUntilRestoredAsync(CancellationToken cancellationToken)
    {
        if (data.MissingFolder() is not { } missing) return;
        if (Interlocked.Exchange(ref _reported, 1) == 0)
            logger.LogError("The data folder is damaged: {Folder} is gone. Conversions pause until it is back", missing);
        while (data.MissingFolder() is not null) await Task.Delay(CheckEvery, time, cancellationToken);
        if (Interlocked.Exchange(ref _reported, 0) == 1) logger.LogInformation("The data folder is back; conversions go on");
    }
}

/// <summary>Thrown where going on would record a wrong outcome because the data folder is gone.</summary>
public sealed class DataFolderLostException() : IOException("the broker's data folder is gone");
