using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Library;

/// <summary>What an item is called in the library: the page's title for a link, the file's name for an upload.</summary>
public static class LibraryTitle
{
    /// <summary>Items given a directory, and those fetched from a link, go to the library; others stay in the broker only.</summary>
    public static bool IsPlaced(Item item) => item.Directory is not null || item.Source is not null;

    /// <summary>The title with control characters removed: display data for the output's metadata, never a path.</summary>
    public static string Of(Item item) =>
        item.Source?.Title is { Length: > 0 } title ? Shared.Files.FileNames.Original(title) : Path.GetFileNameWithoutExtension(item.OriginalFileName);

    /// <summary>The title to write into the output's metadata: only for the library's items, whose players show it; others keep their own.</summary>
    public static string? ForMetadata(Item item) => IsPlaced(item) ? Of(item) : null;
}
