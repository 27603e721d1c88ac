using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Library;

/// <summary>
/// The broker's side of the library: places an item's verified output once it is on record (<see cref="PlaceAsync"/>),
/// records where on the item, and removes it again when a deletion asks. A placement that fails (a full disk, no
/// permission) never fails the conversion: the problem is recorded on the item and the next start tries again
/// (<see cref="LibraryBacklog"/>).
/// </summary>
public sealed class LibraryPlacer(BrokerSettings settings, ItemStore store, IFileSystem files, ILogger<LibraryPlacer> logger, HardLink? link = null)
{
    private readonly LibraryFolder? _library = settings.LibraryPath is { } root ? new LibraryFolder(files, root) : null;

    /// <summary>A finished item meant for the library that is not (or could not yet be) placed.</summary>
    public bool Needs(Item item) =>
        _library is not null && item is { Status: ItemStatus.FinishedSuccessful, Output: not null } && LibraryTitle.IsPlaced(item) && item.Library?.Path is null;

    /// <summary>Places the item's output when it needs it; never throws for the library's sake, only when <paramref name="cancellationToken"/> stops it.</summary>
    public async Task PlaceAsync(Guid itemId, CancellationToken cancellationToken)
    {
        if (_library is null) return;
        var outcome = await store.WithItemFolderAsync(itemId, async (item, folder) =>
            Needs(item) ? await TryPlaceAsync(item, folder, _library, cancellationToken) : null, cancellationToken);
        if (outcome is null) return;
        await store.UpdateAsync(itemId, current => Needs(current) ? current with { Library = outcome } : null, CancellationToken.None);
    }

    /// <summary>
    /// Right after an item's output is on record (converted, or shared with an item of the same content): the item has
    /// succeeded whatever happens here, so nothing is thrown; what cannot be done now, the next start does.
    /// </summary>
    public async Task PlaceOnceFinishedAsync(Guid itemId, CancellationToken cancellationToken)
    {
        try
        {
            await PlaceAsync(itemId, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Placing {ItemId} in the library was stopped; the next start places it", itemId);
        }
        catch (Exception error)
        {
            // Recording the placement failed (the data folder's disk, say): the file is recognised by its content next time.
            logger.LogWarning(error, "Placing {ItemId} in the library could not be recorded; the next start tries again", itemId);
        }
    }

    /// <summary>
    /// Removes the item's file from the library, when it still is the item's output (the same file, or the same bytes):
    /// a file someone replaced under that name is theirs now and stays.
    /// </summary>
    public async Task RemoveAsync(Guid itemId, CancellationToken cancellationToken)
    {
        if (_library is null) return;
        await store.WithItemFolderAsync(itemId, async (item, folder) =>
        {
            if (item is not { Library.Path: { } path, Output: { } output } || _library.FindFile(path) is not { } placed) return false;
            var current = files.Path.Combine(folder, ItemFiles.Output(Extension(output)));
            if (!await new LibraryPlacement(files, _library, link).IsStillTheOutputAsync(placed, files.File.Exists(current) ? current : null, output.Sha512Checksum, cancellationToken))
            {
                logger.LogWarning("Left {Path} in the library: it is no longer the output of {ItemId}", path, itemId);
                return false;
            }
            files.File.Delete(placed);
            logger.LogInformation("Removed {Path} of {ItemId} from the library", path, itemId);
            return true;
        }, cancellationToken);
    }

    private async Task<ItemLibrary> TryPlaceAsync(Item item, string folder, LibraryFolder library, CancellationToken cancellationToken)
    {
        var extension = Extension(item.Output!);
        var output = files.Path.Combine(folder, ItemFiles.Output(extension));
        try
        {
            var placed = await new LibraryPlacement(files, library, link).PlaceAsync(output, item.Output!.Sha512Checksum, item.Directory,
                LibraryTitle.Of(item), item.Source?.Year, extension, cancellationToken);
            logger.LogInformation("Placed {ItemId} in the library as {Path} ({How})", item.ItemId, placed.Path, placed.HardLinked ? "hard link" : "copy");
            return new ItemLibrary { Path = placed.Path, HardLinked = placed.HardLinked };
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not place {ItemId} in the library: {Reason}", item.ItemId, error.Message);
            return new ItemLibrary { Problem = $"not placed in the library: {error.Message}; the broker tries again at its next start" };
        }
    }

    private static string Extension(ItemOutput output) => Path.GetExtension(output.FileName).TrimStart('.');
}
