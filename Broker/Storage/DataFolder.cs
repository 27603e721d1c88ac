using System.IO.Abstractions;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// The layout of a broker's data folder. Every path is built from the root and a Guid or a fixed name:
/// nothing a user sends ever becomes part of a path.
/// </summary>
public sealed class DataFolder(string root, IFileSystem files)
{
    public string Root { get; } = files.Path.GetFullPath(root);
    public string IndexFile => Combine("index.json");
    /// <summary>The changes since index.json was written, one line each (see <see cref="IndexJournal"/>).</summary>
    public string JournalFile => Combine("index.journal");
    public string ThreadsFile => Combine("threads.json");
    public string RunMarkerFile => Combine("broker.pid");
    public string RunLockFile => Combine("broker.lock");
    /// <summary>Uploads not finished yet; never seen by workers.</summary>
    public string Incoming => Combine("incoming");
    /// <summary>What recovery could not explain: kept for a person to look at, never deleted.</summary>
    public string LostAndFound => Combine("lost_and_found");
    /// <summary>Deleted items are renamed here first, so a crash never leaves half an item in a state folder.</summary>
    public string Trash => Combine("trash");
    public string Logs => Combine("logs");
    /// <summary>Thumbnails kept for reuse (see Thumbnails/ThumbnailCache): a cache, safe to delete.</summary>
    public string Thumbnails => Combine("thumbnails");

    public string StateFolder(ItemStatus status) => Combine(status.WireName());

    public string ItemFolder(ItemStatus status, Guid itemId) => files.Path.Combine(StateFolder(status), itemId.ToString("D"));

    public string ItemFolder(Item item) => ItemFolder(item.Status, item.ItemId);

    /// <summary>
    /// The first folder the broker needs that is gone (someone deleted it, a disk was unmounted), or null.
    /// Never recreated behind the user's back: on an unmounted disk that would fill the mount point instead.
    /// </summary>
    public string? MissingFolder() =>
        new[] { Root, Incoming }.Concat(ItemStatuses.All.Select(StateFolder)).FirstOrDefault(folder => !files.Directory.Exists(folder));

    public void EnsureCreated()
    {
        files.Directory.CreateDirectory(Root);
        foreach (var status in ItemStatuses.All)
            files.Directory.CreateDirectory(StateFolder(status));
        foreach (var folder in new[] { Incoming, LostAndFound, Trash, Logs, Thumbnails })
            files.Directory.CreateDirectory(folder);
    }

    private string Combine(string name) => files.Path.Combine(Root, name);
}
