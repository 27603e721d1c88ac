using System.Text.RegularExpressions;
using MediaBroker.Broker.Storage;
using Xunit;

namespace MediaBroker.Testing;

/// <summary>Checks a broker's data folder against its documented layout: every file in its place, nothing stray.</summary>
public static partial class DataFolderAssert
{
    /// <param name="whileRunning">
    /// The broker is still running: index.json, index.journal or threads.json may be in the middle of an atomic write, whose
    /// temporary file then stands beside it. After a stop there must be none.
    /// </param>
    /// <param name="allowResumableUploads">Unfinished tus uploads in incoming/ (their record and their bytes) are fine.</param>
    public static void OnlyKnownFiles(DataFolder data, bool allowIncoming = false, bool whileRunning = false, bool allowResumableUploads = false)
    {
        foreach (var file in Directory.EnumerateFiles(data.Root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(data.Root, file).Replace('\\', '/');
            var known = TopLevel().IsMatch(relative) || ItemFile().IsMatch(relative) || (allowIncoming && relative.StartsWith("incoming/", StringComparison.Ordinal))
                || (whileRunning && WriteInProgress().IsMatch(relative)) || (allowResumableUploads && ResumableUpload().IsMatch(relative));
            Assert.True(known, $"unexpected file in the data folder: {relative}");
        }
    }

    /// <param name="whileRunning">As for <see cref="OnlyKnownFiles"/>: an index or threads write may be in progress.</param>
    public static void NoPartialFiles(DataFolder data, bool whileRunning = false)
    {
        var partial = Directory.EnumerateFiles(data.Root, "*", SearchOption.AllDirectories)
            .Where(file => ItemFiles.IsLeftover(Path.GetFileName(file)))
            .Where(file => !(whileRunning && WriteInProgress().IsMatch(Path.GetRelativePath(data.Root, file).Replace('\\', '/')))).ToList();
        Assert.True(partial.Count == 0, "partial files left: " + string.Join(", ", partial));
    }

    /// <summary>
    /// Waits until a finished item's folder holds exactly <paramref name="files"/>: the input of a successful item is
    /// removed just after its status changes (only once the verified output is on record), so not at the same instant.
    /// </summary>
    public static Task ItemFolderHoldsAsync(ItemStore store, MediaBroker.Shared.Items.Item item, params string[] files) =>
        Eventually.TrueAsync(() => Directory.EnumerateFiles(store.FolderOf(item)).Select(Path.GetFileName).Order().SequenceEqual(files.Order()),
            $"the folder of item {item.ItemId} to hold {string.Join(", ", files)}");

    [GeneratedRegex(@"^(index\.json|index\.journal|threads\.json|broker\.pid|broker\.lock|logs/broker-\d{8}(_\d+)?\.log)$")]
    private static partial Regex TopLevel();

    [GeneratedRegex(@"^incoming/tus-[0-9a-f]{32}(\.json|/input)$")]
    private static partial Regex ResumableUpload();

    [GeneratedRegex(@"^\.(index\.json|threads\.json|index\.journal)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex WriteInProgress();

    [GeneratedRegex(@"^(to_do|in_progress|finished_successful|finished_with_errors)/[0-9a-f-]{36}/(item\.json|input|output\.[a-z0-9]+|thumbnail-\d+x\d+\.jpg)$")]
    private static partial Regex ItemFile();
}
