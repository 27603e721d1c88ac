using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Ingest;

/// <summary>The two limits every upload meets, one-shot or resumable, before a byte is read and while they arrive.</summary>
public sealed class UploadLimits(BrokerSettings settings, DiskSpace disk)
{
    public long MaxUploadBytes => settings.MaxUploadBytes;

    /// <summary>Refuses (413) a file larger than max_upload_bytes.</summary>
    public void EnsureAllowedSize(long bytes)
    {
        if (bytes > settings.MaxUploadBytes) throw Rejection.TooLarge(settings.MaxUploadBytes);
    }

    /// <summary>Refuses (507) an upload of <paramref name="bytes"/> that would leave less than min_free_bytes free.</summary>
    public void EnsureRoomFor(long bytes)
    {
        var available = disk.AvailableBytes();
        if (available - bytes < settings.MinFreeBytes)
            throw Rejection.InsufficientStorage(
                $"the broker has {available} bytes free and keeps at least {settings.MinFreeBytes} free (min_free_bytes); this upload needs {bytes}");
    }
}
