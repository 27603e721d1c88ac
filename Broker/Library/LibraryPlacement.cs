using System.Globalization;
using System.IO.Abstractions;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Reliability;

namespace MediaBroker.Broker.Library;

/// <summary>Makes <paramref name="newName"/> a second name of <paramref name="existing"/>: 0, or the errno (see <see cref="HardLinks.TryLink"/>).</summary>
public delegate int HardLink(string existing, string newName);

/// <summary>Where an output was placed, relative to library_path, and whether as a second name of the output itself.</summary>
public readonly record struct Placed(string Path, bool HardLinked);

/// <summary>
/// Puts one output into a library folder as "Title (Year).ext": a hard link where the file system allows, else a copy
/// (a temporary name, flushed, then renamed, so that a crash never leaves half a film under the title). A name held by
/// another file gets " (2)", " (3)"...; a name already holding this very content (the broker's own earlier placement,
/// made before a crash kept it from being recorded) is simply taken.
/// </summary>
/// <param name="link">The hard-link call; a seam for the file systems that refuse one.</param>
public sealed class LibraryPlacement(IFileSystem files, LibraryFolder library, HardLink? link = null)
{
    /// <summary>The title's share of a name, in UTF-8 bytes: room is left for " (Year)", " (999)" and the extension within 255.</summary>
    public const int MaxTitleBytes = 200;
    private const int MaxNumber = 999;
    private readonly HardLink _link = link ?? HardLinks.TryLink;

    /// <summary>The name a title gets: "Title (Year).ext", or "Title (Year) (n).ext" for the n-th file of that title.</summary>
    public static string NameFor(string title, int? year, string extension, int number = 1)
    {
        var stem = FileNames.SafeStem(title, MaxTitleBytes);
        if (year is { } known) stem += $" ({known.ToString(CultureInfo.InvariantCulture)})";
        if (number > 1) stem += $" ({number.ToString(CultureInfo.InvariantCulture)})";
        return $"{stem}.{extension}";
    }

    /// <param name="output">The verified output, whose content is <paramref name="sha512"/>.</param>
    /// <exception cref="IOException">It could not be placed (no room, no permission, a link in the way).</exception>
    public async Task<Placed> PlaceAsync(string output, string sha512, string? directory, string title, int? year, string extension,
        CancellationToken cancellationToken)
    {
        var folder = library.Ensure(directory);
        for (var number = 1; number <= MaxNumber; number++)
        {
            var target = files.Path.Combine(folder, NameFor(title, year, extension, number));
            if (!library.IsInside(target)) throw new IOException($"'{target}' is outside library_path");
            if (library.IsLink(target) || files.Directory.Exists(target)) continue;
            if (files.File.Exists(target))
            {
                if (await SameContentAsync(output, target, sha512, cancellationToken) is { } hardLinked) return new Placed(library.Relative(target), hardLinked);
                continue;
            }
            CrashPoints.Reach("link", output, target); // around the IFileSystem seam, which has no hard links
            var error = _link(output, target);
            if (error == 0)
            {
                files.FlushFolder(folder);
                return new Placed(library.Relative(target), true);
            }
            if (error == HardLinks.EEXIST) continue; // taken in the meantime
            if (!HardLinks.CannotLinkThere(error))
                throw new IOException($"cannot make '{library.Relative(target)}' in the library: {new System.ComponentModel.Win32Exception(error).Message}");
            if (await CopyAsync(output, target, cancellationToken)) return new Placed(library.Relative(target), false);
        }
        throw new IOException($"the library already holds {MaxNumber} other files named after '{title}'");
    }

    /// <summary>Whether a file in the library still is the item's output: the same file, or the same bytes.</summary>
    public async Task<bool> IsStillTheOutputAsync(string placed, string? output, string sha512, CancellationToken cancellationToken) =>
        await SameContentAsync(output, placed, sha512, cancellationToken) is not null;

    /// <returns>True when it is the output itself (a hard link), false when a copy of it, null when other content.</returns>
    private async Task<bool?> SameContentAsync(string? output, string target, string sha512, CancellationToken cancellationToken)
    {
        if (output is not null && HardLinks.IdentityOf(output) is { } source && HardLinks.IdentityOf(target) is { } existing && source.IsSameFileAs(existing))
            return true;
        if (output is not null && files.FileInfo.New(output).Length != files.FileInfo.New(target).Length) return null;
        return await Sha512Hex.OfFileAsync(files, target, cancellationToken) == sha512 ? false : null;
    }

    /// <returns>False when the name was taken before the copy could have it.</returns>
    private async Task<bool> CopyAsync(string output, string target, CancellationToken cancellationToken)
    {
        var folder = files.Path.GetDirectoryName(target)!;
        var temporary = files.Path.Combine(folder, $".{files.Path.GetFileName(target)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        try
        {
            await using (var source = files.FileStream.New(output, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
            await using (var copy = files.FileStream.New(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(copy, cancellationToken);
                copy.Flush(flushToDisk: true);
            }
            try
            {
                files.File.Move(temporary, target, overwrite: false); // never over a file that appeared meanwhile
            }
            catch (IOException) when (files.File.Exists(target) || library.IsLink(target))
            {
                files.DeleteFileQuietly(temporary);
                return false;
            }
            files.FlushFolder(folder);
            return true;
        }
        catch
        {
            files.DeleteFileQuietly(temporary);
            throw;
        }
    }
}
