using System.IO.Abstractions;
using MediaBroker.Broker.Library;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Library;

/// <summary>Placing one output in a real library folder: links, copies, names taken, links planted.</summary>
public sealed class LibraryPlacementTests : IDisposable
{
    private readonly TempFolder _folder = new("library-placement");
    private readonly FileSystem _files = new();
    private readonly string _output;
    private readonly string _sha512;

    public LibraryPlacementTests()
    {
        _output = _folder.WriteFile("data/item/output.mkv", "the converted film"u8.ToArray());
        _sha512 = Sha512Hex.OfFileAsync(_output).GetAwaiter().GetResult();
        Directory.CreateDirectory(_folder.Combine("library"));
    }

    public void Dispose() => _folder.Dispose();

    private LibraryPlacement Placement(HardLink? link = null) => new(_files, new LibraryFolder(_files, _folder.Combine("library")), link);

    private Task<Placed> PlaceAsync(LibraryPlacement placement, string? directory = "Movies/Holiday", string title = "Holiday") =>
        placement.PlaceAsync(_output, _sha512, directory, title, 2024, "mkv", CancellationToken.None);

    [Fact]
    public async Task The_output_gets_a_second_name_in_the_library_folder_which_is_created()
    {
        var placed = await PlaceAsync(Placement());

        Assert.Equal(new Placed("Movies/Holiday/Holiday (2024).mkv", HardLinked: true), placed);
        var target = _folder.Combine("library", "Movies", "Holiday", "Holiday (2024).mkv");
        Assert.Equal(await InodeAsync(_output), await InodeAsync(target));
    }

    [Fact]
    public async Task Where_the_file_system_refuses_a_link_the_output_is_copied_whole_and_no_temporary_file_stays()
    {
        var asked = new List<(string, string)>();
        var placed = await PlaceAsync(Placement((existing, newName) =>
        {
            asked.Add((existing, newName));
            return HardLinks.EXDEV; // another file system
        }));

        Assert.Equal(new Placed("Movies/Holiday/Holiday (2024).mkv", HardLinked: false), placed);
        Assert.Single(asked);
        var target = _folder.Combine("library", "Movies", "Holiday", "Holiday (2024).mkv");
        Assert.Equal(await File.ReadAllBytesAsync(_output), await File.ReadAllBytesAsync(target));
        Assert.NotEqual(await InodeAsync(_output), await InodeAsync(target));
        Assert.Equal(["Holiday (2024).mkv"], Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_link_refused_for_another_reason_is_an_error_not_a_copy()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => PlaceAsync(Placement((_, _) => 13 /* EACCES */)));

        Assert.Contains("Movies/Holiday/Holiday (2024).mkv", error.Message);
        Assert.Empty(Directory.GetFiles(_folder.Combine("library", "Movies", "Holiday")));
    }

    [Fact]
    public async Task A_name_held_by_another_file_gets_the_next_number_and_that_file_stays_untouched()
    {
        var other = _folder.WriteFile("library/Movies/Holiday/Holiday (2024).mkv", "somebody else's film"u8.ToArray());

        var placed = await PlaceAsync(Placement());

        Assert.Equal("Movies/Holiday/Holiday (2024) (2).mkv", placed.Path);
        Assert.Equal("somebody else's film"u8.ToArray(), await File.ReadAllBytesAsync(other));
    }

    [Fact]
    public async Task Placing_again_after_a_crash_finds_its_own_file_instead_of_making_a_second()
    {
        var first = await PlaceAsync(Placement());
        // As if the broker died after the link and before the item recorded it: the next start places it again.
        var again = await PlaceAsync(Placement());
        // And a copy the last run made counts as its own too.
        var copied = _folder.WriteFile("library/Films/Holiday (2024).mkv", await File.ReadAllBytesAsync(_output));
        var copiedAgain = await PlaceAsync(Placement(), "Films");

        Assert.Equal(first, again);
        Assert.Single(Directory.GetFiles(_folder.Combine("library", "Movies", "Holiday")));
        Assert.Equal(new Placed("Films/Holiday (2024).mkv", HardLinked: false), copiedAgain);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(copied)!));
    }

    [Fact]
    public async Task A_symbolic_link_planted_in_the_library_is_not_followed_out_of_it()
    {
        var outside = Directory.CreateDirectory(_folder.Combine("outside")).FullName;
        Directory.CreateSymbolicLink(_folder.Combine("library", "Movies"), outside);

        var error = await Assert.ThrowsAsync<IOException>(() => PlaceAsync(Placement()));

        Assert.Contains("'Movies' in the library is a symbolic link", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_symbolic_link_planted_under_the_title_s_name_is_neither_followed_nor_replaced()
    {
        var outside = _folder.WriteFile("outside/precious.mkv", "not the broker's"u8.ToArray());
        Directory.CreateDirectory(_folder.Combine("library", "Films"));
        File.CreateSymbolicLink(_folder.Combine("library", "Films", "Holiday (2024).mkv"), outside);

        var placed = await PlaceAsync(Placement(), "Films");

        Assert.Equal("Films/Holiday (2024) (2).mkv", placed.Path);
        Assert.Equal("not the broker's"u8.ToArray(), await File.ReadAllBytesAsync(outside));
        Assert.NotNull(new FileInfo(_folder.Combine("library", "Films", "Holiday (2024).mkv")).LinkTarget);
    }

    [Fact]
    public async Task A_file_where_a_folder_should_be_is_a_clear_error()
    {
        _folder.WriteFile("library/Movies", [1]);

        var error = await Assert.ThrowsAsync<IOException>(() => PlaceAsync(Placement()));

        Assert.Contains("'Movies' in the library is a file, not a folder", error.Message);
    }

    /// <summary>The inode as coreutils' stat sees it: a check independent of the broker's own statx.</summary>
    public static async Task<string> InodeAsync(string path) => (await TestMedia.RunAsync("stat", ["--format=%i", path])).Trim();
}
