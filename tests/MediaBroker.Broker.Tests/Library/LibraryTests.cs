using System.Net;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Library;

/// <summary>A real broker with a library_path, real ffmpeg, real folders: what Plex or Jellyfin would find there.</summary>
public sealed class LibraryTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("library");
    private RunningBroker _broker = null!;
    private string Library => _folder.Combine("library");

    public async Task InitializeAsync() =>
        _broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { LibraryPath = _folder.Combine("library") });

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> ConvertAsync(string clip, string? directory, string? fileName = null)
    {
        var fields = new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" };
        if (directory is not null) fields["directory"] = directory;
        var response = await _broker.PostMultipartAsync(clip, fileName, fields);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
        // The library's part comes right after the output is on record.
        return directory is null ? item : await _broker.Api.WaitForAsync(item.ItemId, placed => placed.Library is not null, "its place in the library");
    }


    [Fact]
    public async Task An_upload_with_a_directory_is_hard_linked_into_the_library_under_its_title_which_the_mkv_carries()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("Summer Holiday.mkv"), seconds: 1, seed: 61);

        var item = await ConvertAsync(clip, "Movies/Holiday");

        Assert.Equal("Movies/Holiday", item.Directory);
        Assert.Equal(new ItemLibrary { Path = "Movies/Holiday/Summer Holiday.mkv", HardLinked = true }, item.Library);
        var placed = Path.Combine(Library, "Movies", "Holiday", "Summer Holiday.mkv");
        var output = Path.Combine(_broker.Store.FolderOf(item), "output.mkv");
        Assert.Equal(await LibraryPlacementTests.InodeAsync(output), await LibraryPlacementTests.InodeAsync(placed));
        Assert.Equal("Summer Holiday", await TestMedia.TitleTagAsync(placed));
        // What the API hands out is the same file.
        Assert.Equal(await File.ReadAllBytesAsync(placed), await _broker.Http.GetByteArrayAsync($"api/items/{item.ItemId}/output"));
    }

    [Fact]
    public async Task An_upload_without_a_directory_stays_out_of_the_library_and_keeps_its_own_title()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("plain.mkv"), seconds: 1, seed: 62);

        var item = await ConvertAsync(clip, directory: null);

        Assert.Null(item.Library);
        Assert.Empty(Directory.GetFileSystemEntries(Library));
        var output = Path.Combine(_broker.Store.FolderOf(item), "output.mkv");
        Assert.Null(await TestMedia.TitleTagAsync(output));
    }

    [Fact]
    public async Task A_second_film_of_the_same_title_gets_a_number_and_the_first_stays()
    {
        var first = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("a", "Holiday.mkv"), seconds: 1, seed: 63), "Movies");
        var second = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("b", "Holiday.mkv"), seconds: 1, seed: 64), "Movies");

        Assert.Equal("Movies/Holiday.mkv", first.Library?.Path);
        Assert.Equal("Movies/Holiday (2).mkv", second.Library?.Path);
        Assert.Equal(first.Output!.Sha512Checksum, await Shared.Hashing.Sha512Hex.OfFileAsync(Path.Combine(Library, "Movies", "Holiday.mkv")));
        Assert.Equal(second.Output!.Sha512Checksum, await Shared.Hashing.Sha512Hex.OfFileAsync(Path.Combine(Library, "Movies", "Holiday (2).mkv")));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc")]
    [InlineData("a/../../b")]
    [InlineData("Movies/CON")]
    public async Task A_directory_that_would_leave_the_library_is_refused_before_anything_is_stored(string directory)
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("escape.mkv"), seconds: 1, seed: 65);

        var multipart = await _broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["directory"] = directory });
        var raw = await _broker.PostRawAsync(await File.ReadAllBytesAsync(clip), $"file_name=escape.mkv&directory={Uri.EscapeDataString(directory)}");
        var tus = await new RawTus(_broker.Http).CreateAsync(10, RawTus.Metadata(("filename", "escape.mkv"), ("directory", directory)));

        foreach (var response in new[] { multipart, raw, tus })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.StartsWith($"directory '{directory}'", await response.ReadProblemDetailAsync());
        }
        Assert.Empty(_broker.Store.List(new ItemQuery()).Items);
        Assert.Empty(Directory.GetFileSystemEntries(Library));
        Assert.False(File.Exists(_folder.Combine("x")) || Directory.Exists(_folder.Combine("x")) || Directory.Exists(_folder.Combine("b")));
    }

    [Fact]
    public async Task A_broker_without_a_library_refuses_a_directory_rather_than_drop_it()
    {
        await using var plain = await RunningBroker.StartAsync(_folder.Combine("plain-data"));
        var clip = await TestMedia.VideoAsync(_folder.Combine("nowhere.mkv"), seconds: 1, seed: 71);

        var response = await plain.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["directory"] = "Movies" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("library_path", await response.ReadProblemDetailAsync());
        Assert.Empty(plain.Store.List(new ItemQuery()).Items);
    }

    [Fact]
    public async Task A_resumable_upload_carries_its_directory_in_the_metadata()
    {
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(_folder.Combine("tus.mkv"), seconds: 1, seed: 66));
        var tus = new RawTus(_broker.Http);
        var location = await tus.CreateLocationAsync(bytes.Length,
            RawTus.Metadata(("filename", "Resumed Film.mkv"), ("conversion_type", "mkv_x264"), ("directory", "Films/Été")));

        var patched = await tus.PatchAsync(location, 0, bytes);

        var itemId = Guid.Parse(patched.Headers.GetValues("MediaBroker-Item-Id").Single());
        var item = await _broker.Api.WaitForAsync(itemId, item => item.Library is not null, "its place in the library");
        Assert.Equal("Films/Été/Resumed Film.mkv", item.Library!.Path);
        Assert.True(File.Exists(Path.Combine(Library, "Films", "Été", "Resumed Film.mkv")));
    }

    [Fact]
    public async Task A_link_planted_in_the_library_is_not_followed_and_the_conversion_still_succeeds_with_the_problem_recorded()
    {
        var outside = Directory.CreateDirectory(_folder.Combine("outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(Library, "Movies"), outside);

        var item = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("Trap.mkv"), seconds: 1, seed: 67), "Movies/Holiday");

        Assert.Null(item.Library!.Path);
        Assert.Contains("'Movies' in the library is a symbolic link", item.Library.Problem);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_placement_that_failed_is_made_at_the_next_start()
    {
        var outside = Directory.CreateDirectory(_folder.Combine("outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(Library, "Movies"), outside);
        var item = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("Later.mkv"), seconds: 1, seed: 72), "Movies");
        Assert.NotNull(item.Library!.Problem);

        await _broker.DisposeAsync();
        Directory.Delete(Path.Combine(Library, "Movies")); // the link goes, and the broker comes back
        _broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { LibraryPath = Library });

        var placed = await _broker.Api.WaitForAsync(item.ItemId, again => again.Library?.Path is not null, "its place in the library");
        Assert.Equal(new ItemLibrary { Path = "Movies/Later.mkv", HardLinked = true }, placed.Library);
        Assert.Equal(item.Output!.Sha512Checksum, await Shared.Hashing.Sha512Hex.OfFileAsync(Path.Combine(Library, "Movies", "Later.mkv")));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task Deleting_an_item_leaves_its_library_file_unless_asked_to_remove_it()
    {
        var kept = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("Kept.mkv"), seconds: 1, seed: 68), "Shows");
        var removed = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("Removed.mkv"), seconds: 1, seed: 69), "Shows");

        Assert.Equal(HttpStatusCode.BadRequest, (await _broker.Http.DeleteAsync($"api/items/{kept.ItemId}?library=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _broker.Http.DeleteAsync($"api/items/{kept.ItemId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _broker.Http.DeleteAsync($"api/items/{removed.ItemId}?library=true")).StatusCode);

        Assert.Equal(kept.Output!.Sha512Checksum, await Shared.Hashing.Sha512Hex.OfFileAsync(Path.Combine(Library, "Shows", "Kept.mkv")));
        Assert.False(File.Exists(Path.Combine(Library, "Shows", "Removed.mkv")));
    }

    [Fact]
    public async Task Asking_to_remove_a_library_file_someone_replaced_leaves_their_file()
    {
        var item = await ConvertAsync(await TestMedia.VideoAsync(_folder.Combine("Replaced.mkv"), seconds: 1, seed: 70), "Shows");
        var placed = Path.Combine(Library, "Shows", "Replaced.mkv");
        File.Delete(placed);
        await File.WriteAllTextAsync(placed, "a better cut");

        Assert.Equal(HttpStatusCode.NoContent, (await _broker.Http.DeleteAsync($"api/items/{item.ItemId}?library=true")).StatusCode);

        Assert.Equal("a better cut", await File.ReadAllTextAsync(placed));
    }
}
