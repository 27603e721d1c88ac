using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Testing;

/// <summary>Items as an upload would make them after its checks, for tests about storage itself.</summary>
public static class ItemDrafts
{
    public static Item Draft(byte[] content, string fileName = "clip.mp4", string conversionType = "mkv_x265", string clientId = "local") => new()
    {
        ItemId = Guid.NewGuid(),
        ClientId = clientId,
        CreatedAt = default,
        UpdatedAt = default,
        QueuedAt = default,
        ConversionType = conversionType,
        OriginalFileName = fileName,
        CurrentFileName = FileNames.SafeSegment(fileName),
        Sha512Checksum = Sha512Hex.Of(content),
        FileSize = content.Length,
        Status = ItemStatus.ToDo,
        Media = new MediaInfo { Type = MediaTypes.Video, Container = "matroska,webm", DurationSeconds = 2, Width = 320, Height = 240 },
    };
}
