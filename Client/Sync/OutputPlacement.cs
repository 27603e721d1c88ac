using System.Globalization;
using System.IO.Abstractions;
using MediaBroker.Client.Configuration;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Client.Sync;

/// <summary>
/// Where an output goes and how it gets there: beside its source, or into the root's output_path mirroring the
/// source's relative folder (a Plex or Jellyfin library); moved in from a partial file by one rename, and never over
/// an existing file (skip, or a numbered name, as the root says).
/// </summary>
public sealed class OutputPlacement(IFileSystem files)
{
    /// <summary>The intended output path; <paramref name="root"/> is null for files handed over by hand.</summary>
    public static string TargetFor(ObservedPath? root, string source, string outputFileName, string conversionType)
    {
        var extension = Path.GetExtension(outputFileName);
        var folder = root?.OutputPath is { } library
            ? Path.Combine(library, Path.GetRelativePath(root.Path, Path.GetDirectoryName(source)!))
            : Path.GetDirectoryName(source)!;
        var stem = Path.GetFileNameWithoutExtension(source);
        var target = Path.GetFullPath(Path.Combine(folder, stem + extension));
        // An mkv made from an mkv beside it must not take its source's name.
        return target == Path.GetFullPath(source) ? Path.Combine(folder, $"{stem}.{conversionType}{extension}") : target;
    }

    /// <summary>The partial file a download writes first: hidden, beside the target, named after the item so it resumes.</summary>
    public static string PartialFor(string target, Guid itemId) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{itemId:N}.partial");

    /// <summary>The names an output may get, in the order they are tried: the target, then "name (1).ext" and so on.</summary>
    public static IEnumerable<string> CandidatesFor(string target)
    {
        var folder = Path.GetDirectoryName(target)!;
        yield return target;
        for (var attempt = 1; attempt < MaxNumbered; attempt++)
            yield return Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(target)} ({attempt.ToString(CultureInfo.InvariantCulture)}){Path.GetExtension(target)}");
    }

    private const int MaxNumbered = 1000;

    /// <returns>Where the output went, or null when the target exists and the policy is skip (the partial file is removed).</returns>
    public string? MoveIntoPlace(string partial, string target, string whenExists)
    {
        var folder = files.Path.GetDirectoryName(target)!;
        files.Directory.CreateDirectory(folder);
        foreach (var candidate in CandidatesFor(target))
        {
            if (files.File.Exists(candidate) || files.Directory.Exists(candidate))
            {
                if (whenExists == OutputCollision.Skip)
                {
                    files.File.Delete(partial);
                    return null;
                }
                continue;
            }
            try
            {
                files.File.Move(partial, candidate, overwrite: false); // fails rather than replace a file that appeared meanwhile
                files.FlushFolder(folder);
                return candidate;
            }
            catch (IOException) when (files.File.Exists(candidate))
            {
            }
        }
        throw new IOException($"no free name for {target}");
    }

    /// <summary>
    /// What after_success says to do with a source whose output is in place; only while the source is still the
    /// content that was converted (<paramref name="convertedSha512"/>). An edit made since is never deleted or moved:
    /// the file is left where it is, and the next scan takes it as new.
    /// </summary>
    /// <returns>False when the source was left alone because it changed.</returns>
    public async Task<bool> HandleSourceAsync(ObservedPath? root, string source, string? convertedSha512, CancellationToken cancellationToken)
    {
        if (root is null || root.AfterSuccess == SourceAfterSuccess.Keep || !files.File.Exists(source)) return true;
        if (convertedSha512 is null || await Sha512Hex.OfFileAsync(files, source, cancellationToken) != convertedSha512) return false;
        switch (root.AfterSuccess)
        {
            case SourceAfterSuccess.Delete:
                files.File.Delete(source);
                break;
            case SourceAfterSuccess.Move when root.MoveSourceTo is { } folder:
                // Moved as it is; a numbered name if the target exists.
                MoveIntoPlace(source, files.Path.Combine(folder, files.Path.GetRelativePath(root.Path, source)), OutputCollision.Number);
                break;
        }
        return true;
    }
}
