using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The layout of a broker's data folder. Every path is built from the root and a Guid or a fixed name:
/// nothing a user sends ever becomes part of a path.
/// </summary>
public sealed class DataFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string IndexFile => Path.Combine(Root, "index.json");
    public string ThreadsFile => Path.Combine(Root, "threads.json");
    /// <summary>Uploads not finished yet; never seen by workers.</summary>
    public string Incoming => Path.Combine(Root, "incoming");
    /// <summary>What recovery could not explain: kept for a person to look at, never deleted.</summary>
    public string LostAndFound => Path.Combine(Root, "lost_and_found");
    /// <summary>Deleted items are renamed here first, so a crash never leaves half an item in a state folder.</summary>
    public string Trash => Path.Combine(Root, "trash");
    public string Logs => Path.Combine(Root, "logs");

    public string StateFolder(ItemStatus status) => Path.Combine(Root, status.WireName());

    public string ItemFolder(ItemStatus status, Guid itemId) => Path.Combine(StateFolder(status), itemId.ToString("D"));

    public string ItemFolder(Item item) => ItemFolder(item.Status, item.ItemId);

    /// <summary>
    /// The first folder the broker needs that is gone (someone deleted it, a disk was unmounted), or null.
    /// Never recreated behind the user's back: on an unmounted disk that would fill the mount point instead.
    /// </summary>
    public string? MissingFolder() =>
        new[] { Root, Incoming }.Concat(ItemStatuses.All.Select(StateFolder)).FirstOrDefault(folder => !Directory.Exists(folder));

    public void EnsureCreated()
    {
        Directory.CreateDirectory(Root);
        foreach (var status in ItemStatuses.All)
            Directory.CreateDirectory(StateFolder(status));
        foreach (var folder in new[] { Incoming, LostAndFound, Trash, Logs })
            Directory.CreateDirectory(folder);
    }
}
