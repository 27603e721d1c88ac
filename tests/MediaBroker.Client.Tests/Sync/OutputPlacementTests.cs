using MediaBroker.Client.Configuration;
using MediaBroker.Client.Sync;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Sync;

public sealed class OutputPlacementTests : IDisposable
{
    private readonly TempFolder _folder = new("placement");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void An_output_goes_beside_its_source_or_into_the_library_mirroring_its_folder()
    {
        var drop = _folder.Combine("drop");
        var source = Path.Combine(drop, "Shows", "Episode 1.mp4");
        var beside = new ObservedPath { Path = drop };
        var library = new ObservedPath { Path = drop, OutputPath = _folder.Combine("library") };

        Assert.Equal(Path.Combine(drop, "Shows", "Episode 1.mkv"), OutputPlacement.TargetFor(beside, source, "Episode_1.mkv", "mkv_x265"));
        Assert.Equal(_folder.Combine("library", "Shows", "Episode 1.mkv"), OutputPlacement.TargetFor(library, source, "x.mkv", "mkv_x265"));
        Assert.Equal(Path.Combine(drop, "film.mkv_x265.mkv"), OutputPlacement.TargetFor(beside, Path.Combine(drop, "film.mkv"), "film.mkv", "mkv_x265"));
        Assert.Equal(Path.Combine(drop, "manual.webp"), OutputPlacement.TargetFor(null, Path.Combine(drop, "manual.png"), "manual.webp", "webp"));
    }

    [Fact]
    public void An_existing_file_is_never_overwritten_it_is_kept_or_a_numbered_name_is_used()
    {
        var target = _folder.WriteFile("library/film.mkv", "the one already there"u8.ToArray());
        var partial = _folder.WriteFile("library/.film.mkv.1.partial", "new output"u8.ToArray());

        Assert.Null(OutputPlacement.MoveIntoPlace(partial, target, OutputCollision.Skip));
        Assert.Equal("the one already there", File.ReadAllText(target));
        Assert.False(File.Exists(partial));

        partial = _folder.WriteFile("library/.film.mkv.2.partial", "new output"u8.ToArray());
        var numbered = OutputPlacement.MoveIntoPlace(partial, target, OutputCollision.Number);
        Assert.Equal(_folder.Combine("library", "film (1).mkv"), numbered);
        Assert.Equal("new output", File.ReadAllText(numbered!));
        Assert.Equal("the one already there", File.ReadAllText(target));

        partial = _folder.WriteFile("library/.film.mkv.3.partial", "third"u8.ToArray());
        Assert.Equal(_folder.Combine("library", "film (2).mkv"), OutputPlacement.MoveIntoPlace(partial, target, OutputCollision.Number));
    }

    [Fact]
    public void After_success_a_source_is_kept_deleted_or_moved_as_configured()
    {
        var drop = _folder.Combine("drop");
        var kept = _folder.WriteFile("drop/kept.mp4", [1]);
        OutputPlacement.HandleSource(new ObservedPath { Path = drop }, kept);
        Assert.True(File.Exists(kept));

        var deleted = _folder.WriteFile("drop/deleted.mp4", [2]);
        OutputPlacement.HandleSource(new ObservedPath { Path = drop, AfterSuccess = SourceAfterSuccess.Delete }, deleted);
        Assert.False(File.Exists(deleted));

        var moved = _folder.WriteFile("drop/sub/moved.mp4", [3]);
        OutputPlacement.HandleSource(new ObservedPath { Path = drop, AfterSuccess = SourceAfterSuccess.Move, MoveSourceTo = _folder.Combine("done") }, moved);
        Assert.False(File.Exists(moved));
        Assert.True(File.Exists(_folder.Combine("done", "sub", "moved.mp4")));
    }
}
