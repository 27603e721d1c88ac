using MediaBroker.Shared.Files;

namespace MediaBroker.Shared.Items;

/// <summary>
/// A new item as an upload or a link makes it: a fresh id, in to_do, the given name kept for display and made safe
/// for the disk. Its times are left for the store to give when it creates the item; its content (sha512, size, media)
/// is set by the caller, once known.
/// </summary>
public static class ItemDraft
{
    public static Item New(string clientId, string conversionType, string fileName) => new()
    {
        ItemId = Guid.NewGuid(),
        ClientId = clientId,
        CreatedAt = default,
        UpdatedAt = default,
        QueuedAt = default,
        ConversionType = conversionType,
        OriginalFileName = FileNames.Original(fileName),
        CurrentFileName = FileNames.SafeSegment(fileName),
        Sha512Checksum = "",
        FileSize = 0,
        Status = ItemStatus.ToDo,
    };
}
