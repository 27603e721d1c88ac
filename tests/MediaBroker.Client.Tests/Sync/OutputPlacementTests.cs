using MediaBroker.Client.Configuration;
using MediaBroker.Client.Sync;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Sync;

/// <summary>Where an output goes and how it gets there, on an in-memory disk.</summary>
public sealed class OutputPlacementTests
{
    private readonly FaultyFileSystem _disk = new();
    private readonly OutputPlacement _placement;

    public OutputPlacementTests() => _placement = new OutputPlacement(_disk);

    private string Write(string path, string content)
    {
        _disk.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _disk.File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void An_output_goes_beside_its_source_or_into_the_library_mirroring_its_folder()
    {
        var source = "/drop/Shows/Episode 1.mp4";
        var beside = new ObservedPath { Path = "/drop" };
        var library = new ObservedPath { Path = "/drop", OutputPath = "/library" };

        Assert.Equal("/drop/Shows/Episode 1.mkv", OutputPlacement.TargetFor(beside, source, "Episode_1.mkv", "mkv_x265"));
        Assert.Equal("/library/Shows/Episode 1.mkv", OutputPlacement.TargetFor(library, source, "x.mkv", "mkv_x265"));
        Assert.Equal("/drop/film.mkv_x265.mkv", OutputPlacement.TargetFor(beside, "/drop/film.mkv", "film.mkv", "mkv_x265"));
        Assert.Equal("/drop/manual.webp", OutputPlacement.TargetFor(null, "/drop/manual.png", "manual.webp", "webp"));
    }

    [Fact]
    public void An_existing_file_is_never_overwritten_it_is_kept_or_a_numbered_name_is_used()
    {
        var target = Write("/library/film.mkv", "the one already there");
        var partial = Write("/library/.film.mkv.1.partial", "new output");

        Assert.Null(_placement.MoveIntoPlace(partial, target, OutputCollision.Skip));
        Assert.Equal("the one already there", _disk.File.ReadAllText(target));
        Assert.False(_disk.File.Exists(partial));

        partial = Write("/library/.film.mkv.2.partial", "new output");
        var numbered = _placement.MoveIntoPlace(partial, target, OutputCollision.Number);
        Assert.Equal("/library/film (1).mkv", numbered);
        Assert.Equal("new output", _disk.File.ReadAllText(numbered!));
        Assert.Equal("the one already there", _disk.File.ReadAllText(target));

        partial = Write("/library/.film.mkv.3.partial", "third");
        Assert.Equal("/library/film (2).mkv", _placement.MoveIntoPlace(partial, target, OutputCollision.Number));
    }

    [Fact]
    public void A_folder_of_the_target_name_counts_as_taken_and_a_missing_library_folder_is_made()
    {
        _disk.Directory.CreateDirectory("/library/Shows/film.mkv");
        var partial = Write("/downloads/.film.mkv.1.partial", "output");

        Assert.Equal("/library/Shows/film (1).mkv", _placement.MoveIntoPlace(partial, "/library/Shows/film.mkv", OutputCollision.Number));
        Assert.Equal("output", _disk.File.ReadAllText("/library/Shows/film (1).mkv"));
    }

    private static string Sha(string content) => Sha512Hex.Of(System.Text.Encoding.UTF8.GetBytes(content));

    [Fact]
    public async Task After_success_a_source_is_kept_deleted_or_moved_as_configured()
    {
        var kept = Write("/drop/kept.mp4", "1");
        Assert.True(await _placement.HandleSourceAsync(new ObservedPath { Path = "/drop" }, kept, Sha("1"), CancellationToken.None));
        Assert.True(_disk.File.Exists(kept));

        var deleted = Write("/drop/deleted.mp4", "2");
        Assert.True(await _placement.HandleSourceAsync(new ObservedPath { Path = "/drop", AfterSuccess = SourceAfterSuccess.Delete }, deleted, Sha("2"),
            CancellationToken.None));
        Assert.False(_disk.File.Exists(deleted));

        var moved = Write("/drop/sub/moved.mp4", "3");
        Write("/done/sub/moved.mp4", "an older one");
        Assert.True(await _placement.HandleSourceAsync(new ObservedPath { Path = "/drop", AfterSuccess = SourceAfterSuccess.Move, MoveSourceTo = "/done" },
            moved, Sha("3"), CancellationToken.None));
        Assert.False(_disk.File.Exists(moved));
        Assert.Equal("3", _disk.File.ReadAllText("/done/sub/moved (1).mp4"));
        Assert.Equal("an older one", _disk.File.ReadAllText("/done/sub/moved.mp4"));
    }

    [Theory]
    [InlineData(SourceAfterSuccess.Delete)]
    [InlineData(SourceAfterSuccess.Move)]
    public async Task A_source_edited_after_it_was_sent_is_neither_deleted_nor_moved(string afterSuccess)
    {
        var source = Write("/drop/holiday.mp4", "the edited film");
        var root = new ObservedPath { Path = "/drop", AfterSuccess = afterSuccess, MoveSourceTo = "/done" };

        Assert.False(await _placement.HandleSourceAsync(root, source, Sha("the film as it was sent"), CancellationToken.None));

        Assert.Equal("the edited film", _disk.File.ReadAllText(source));
        Assert.False(_disk.Directory.Exists("/done"));
    }

    [Fact]
    public async Task A_source_that_is_gone_already_is_left_alone()
    {
        Assert.True(await _placement.HandleSourceAsync(new ObservedPath { Path = "/drop", AfterSuccess = SourceAfterSuccess.Delete }, "/drop/gone.mp4",
            Sha("x"), CancellationToken.None));

        Assert.False(_disk.File.Exists("/drop/gone.mp4"));
    }
}
