using System.IO.Abstractions;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Ingest;

/// <summary>
/// A file received in full into a folder of its own under incoming/, on its way to becoming an item; the one owner of
/// that folder until it is committed (the folder becomes the item's, by one rename) or discarded. Whatever goes wrong
/// on the way, only this decides whether the bytes go: a one-shot upload's on any failure, since nothing can resume
/// it; a resumable upload's only when it is refused, since after an interruption its client (or the next start)
/// completes it.
/// </summary>
public sealed class StagedFile
{
    private readonly IFileSystem _files;
    private int _ended;

    private StagedFile(IFileSystem files, string folder, string path, long length, string sha512, bool resumable, ItemTimings timings, Task? onDisk = null)
    {
        Timings = timings;
        OnDisk = onDisk ?? Task.CompletedTask;
        _files = files;
        Folder = folder;
        Path = path;
        Length = length;
        Sha512 = sha512;
        Resumable = resumable;
    }

    public string Folder { get; }
    /// <summary>The file itself, inside <see cref="Folder"/>.</summary>
    public string Path { get; }
    public long Length { get; }
    /// <summary>Measured by the broker while the bytes arrived (or read again), never taken from the uploader.</summary>
    public string Sha512 { get; }
    public bool Resumable { get; }
    /// <summary>
    /// Done when the bytes are forced to disk. That may still be under way while the content is checked (ffprobe does
    /// not need it); the item is made only after it.
    /// </summary>
    public Task OnDisk { get; }

    /// <summary>How long receiving (and, where it was a step of its own, hashing) took.</summary>
    public ItemTimings Timings { get; }

    public static StagedFile OneShot(IFileSystem files, string folder, string path, long length, string sha512, ItemTimings timings) =>
        new(files, folder, path, length, sha512, resumable: false, timings);

    public static StagedFile OfResumableUpload(IFileSystem files, string folder, string path, long length, string sha512, ItemTimings timings, Task onDisk) =>
        new(files, folder, path, length, sha512, resumable: true, timings, onDisk);

    /// <summary>The folder is an item's now: nothing is left to discard.</summary>
    public void MarkCommitted() => Interlocked.Exchange(ref _ended, 1);

    /// <summary>Removes the folder and the file in it, once; a folder that went already is fine.</summary>
    public void Discard()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0) _files.DeleteFolderIfPresent(Folder);
    }

    /// <summary>What happens to the bytes when making the item failed with <paramref name="error"/>.</summary>
    public void AfterFailure(Exception error)
    {
        if (error is Rejection || !Resumable) Discard();
    }
}
