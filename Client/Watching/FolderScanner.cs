using System.IO.Enumeration;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Client.Watching;

/// <summary>
/// Finds new files in the watched folders and takes one only once its size and modification time have stopped
/// changing for stable_after_seconds (a copy in progress is never sent half). Then hashes it, and recognises
/// content it already handled: a renamed file keeps its record, a copy of converted content is skipped.
/// </summary>
public sealed class FolderScanner(ClientSettings settings, ClientDatabase database, TimeProvider time, ILogger<FolderScanner> logger)
{
    private TimeSpan StableAfter => TimeSpan.FromSeconds(settings.StableAfterSeconds);

    /// <summary>One look at every watched folder.</summary>
    /// <returns>When the next waiting file may become stable, or null when none waits.</returns>
    public async Task<DateTimeOffset?> ScanAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var knownOutputs = database.All().Where(file => file.OutputPath is not null).Select(file => file.OutputPath!).ToHashSet(StringComparer.Ordinal);
        foreach (var root in settings.ListOfPathsToObserve)
        {
            if (!Directory.Exists(root.Path))
            {
                logger.LogWarning("The watched folder {Folder} does not exist (yet)", root.Path);
                continue;
            }
            foreach (var file in Candidates(root, knownOutputs))
            {
                seen.Add(file.FullName);
                await ObserveAsync(root, file, now, cancellationToken);
            }
        }
        ForgetVanished(seen);
        var waiting = database.All().Where(file => file.Status == FileStatus.Waiting).ToList();
        return waiting.Count == 0 ? null : waiting.Min(file => file.SeenUnchangedSince) + StableAfter;
    }

    /// <summary>The root a path belongs to (the deepest watched folder holding it).</summary>
    public ObservedPath? RootOf(string path) => settings.ListOfPathsToObserve
        .Where(root => path.StartsWith(root.Path.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        .OrderByDescending(root => root.Path.Length).FirstOrDefault();

    private IEnumerable<FileInfo> Candidates(ObservedPath root, HashSet<string> knownOutputs)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = root.Recursive, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden };
        // A watched folder inside this one is its own root, with its own conversion types: its files are its own.
        var inside = root.Path.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var nestedRoots = settings.ListOfPathsToObserve.Select(other => other.Path).Where(other => other.StartsWith(inside, StringComparison.Ordinal));
        var excluded = new[] { root.MoveSourceTo }.Concat(settings.ListOfPathsToObserve.Select(other => other.OutputPath)).Concat(nestedRoots)
            .OfType<string>().Where(folder => folder != root.Path).Select(folder => folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).ToList();
        // Like find without -L: a linked file is taken, a linked folder is not entered (a link back up would loop).
        var files = new FileSystemEnumerable<FileInfo>(root.Path, (ref FileSystemEntry entry) => (FileInfo)entry.ToFileSystemInfo(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory
                && ((entry.Attributes & FileAttributes.ReparsePoint) == 0 || LeadsToAFile(entry.ToFullPath())),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        return files.Where(file =>
            !file.Name.StartsWith('.') // hidden files and this client's own partial downloads
            && MediaKinds.Of(file.Name) is { } mediaType && root.ObservedMediaTypes.Contains(mediaType, StringComparer.Ordinal)
            && !knownOutputs.Contains(file.FullName)
            && !excluded.Any(folder => file.FullName.StartsWith(folder, StringComparison.Ordinal)));
    }

    /// <summary>False for a dangling link (or a loop of links): it would otherwise wait forever as pending.</summary>
    private static bool LeadsToAFile(string link)
    {
        try
        {
            return File.ResolveLinkTarget(link, returnFinalTarget: true) is not { } target || target is FileInfo { Exists: true };
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task ObserveAsync(ObservedPath root, FileInfo file, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A link is judged by what it points at: its own size and time never change while the target grows.
        var content = file.LinkTarget is null ? file : File.ResolveLinkTarget(file.FullName, returnFinalTarget: true) as FileInfo ?? file;
        var modified = new DateTimeOffset(content.LastWriteTimeUtc);
        var known = database.Get(file.FullName);
        var changed = known is null || known.FileSize != content.Length || known.ModifiedAt != modified;
        if (changed && known is { IsPending: true, Status: not FileStatus.Waiting and not FileStatus.Ready })
        {
            logger.LogWarning("{File} changed while it was being handled; it is taken again once it is stable", file.FullName);
        }
        if (changed)
        {
            database.Put(new TrackedFile
            {
                Path = file.FullName, Version = known?.Version ?? 0, CreatedAt = known?.CreatedAt ?? now, Status = FileStatus.Waiting,
                FileSize = content.Length, ModifiedAt = modified, SeenUnchangedSince = now, MediaType = MediaKinds.Of(file.Name),
            });
            return;
        }
        if (known!.Status != FileStatus.Waiting || now - known.SeenUnchangedSince < StableAfter) return;
        await TakeAsync(root, known, cancellationToken);
    }

    /// <summary>A stable file: hash it and decide whether it still needs a broker.</summary>
    private async Task TakeAsync(ObservedPath root, TrackedFile file, CancellationToken cancellationToken)
    {
        string sha512;
        try
        {
            sha512 = await Sha512Hex.OfFileAsync(file.Path, cancellationToken);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot read {File}: {Reason}", file.Path, error.Message);
            return;
        }
        var conversionType = root.ConversionTypes.GetValueOrDefault(file.MediaType!);
        var hashed = file with { Sha512Checksum = sha512, ConversionType = conversionType };

        if (database.WithOutput(sha512).FirstOrDefault() is { } producer)
        {
            database.Put(hashed with { Status = FileStatus.Skipped, Errors = [$"this is the output of {producer.Path}"] });
            return;
        }
        var twin = database.WithContent(sha512).FirstOrDefault(other => other.Path != file.Path
            && other.ConversionType == conversionType && other.Status is not (FileStatus.Waiting or FileStatus.Refused or FileStatus.Skipped));
        if (twin is null)
        {
            database.Put(hashed with { Status = FileStatus.Ready });
            logger.LogInformation("New file {File} ({MediaType}, {Size} bytes)", file.Path, file.MediaType, file.FileSize);
        }
        else if (!File.Exists(twin.Path))
        {
            // Renamed or moved: the same content under a new name keeps its place in the pipeline (and is not sent again).
            database.Remove(twin.Path);
            database.Put(twin with { Path = file.Path, Version = file.Version, FileSize = file.FileSize, ModifiedAt = file.ModifiedAt, CreatedAt = twin.CreatedAt });
            logger.LogInformation("{Old} was renamed to {New}; nothing is sent again", twin.Path, file.Path);
        }
        else
        {
            database.Put(hashed with { Status = FileStatus.Skipped, Errors = [$"same content as {twin.Path}, which is handled already"] });
            logger.LogInformation("{File} has the same content as {Twin}; not sent again", file.Path, twin.Path);
        }
    }

    /// <summary>Files that disappeared before they were taken are forgotten; those already handed over are kept.</summary>
    private void ForgetVanished(HashSet<string> seen)
    {
        foreach (var file in database.All().Where(file => file.Status is FileStatus.Waiting or FileStatus.Ready && !file.Manual && !seen.Contains(file.Path)))
        {
            if (!File.Exists(file.Path)) database.Remove(file.Path);
        }
    }
}
