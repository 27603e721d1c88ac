using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Client.Tests.Watching;

public sealed class FolderScannerTests : IDisposable
{
    private readonly ClientHarness _client = new("scanner");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow); // moves only when a test says: no real waiting for files to settle

    public FolderScannerTests() => _client.Configure([("local", new Uri("http://127.0.0.1:9"))]);

    public void Dispose() => _client.Dispose();

    private static FileStatus? StatusOf(MediaBroker.Client.Hosting.ClientContext context, string path) => context.Database.Get(path)?.Status;

    [Fact]
    public async Task A_file_still_growing_is_taken_only_once_its_size_and_time_stop_changing()
    {
        using var context = _client.Open(_clock);
        var path = Path.Combine(_client.Drop, "copying.mp4");
        await File.WriteAllBytesAsync(path, new byte[1000]);

        await context.Scanner.ScanAsync(CancellationToken.None);
        Assert.Equal(FileStatus.Waiting, StatusOf(context, path));

        await using (var growing = new FileStream(path, FileMode.Append)) await growing.WriteAsync(new byte[1000]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        _clock.Advance(TimeSpan.FromSeconds(10));
        var next = await context.Scanner.ScanAsync(CancellationToken.None);
        Assert.Equal(FileStatus.Waiting, StatusOf(context, path)); // it changed since the last look: the wait starts over
        Assert.NotNull(next);

        _clock.Advance(TimeSpan.FromSeconds(10));
        await context.Scanner.ScanAsync(CancellationToken.None);
        var taken = context.Database.Get(path)!;
        Assert.Equal(FileStatus.Ready, taken.Status);
        Assert.Equal(2000, taken.FileSize);
        Assert.Equal(await Sha512Hex.OfFileAsync(path), taken.Sha512Checksum);
        Assert.Equal("video", taken.MediaType);
        Assert.Equal("mkv_x264", taken.ConversionType);
    }

    [Fact]
    public async Task A_converted_file_that_is_renamed_keeps_its_record_and_is_not_sent_again()
    {
        using var context = _client.Open(_clock);
        var original = Path.Combine(_client.Drop, "holiday.mp4");
        await File.WriteAllBytesAsync(original, [1, 2, 3, 4]);
        await TakeAsync(context);
        var done = context.Database.Put(context.Database.Get(original)! with
        {
            Status = FileStatus.Done, ServerId = "local", ItemId = Guid.NewGuid(), OutputPath = Path.Combine(_client.Library, "holiday.mkv"),
        })!;

        var renamed = Path.Combine(_client.Drop, "Holiday 2026.mp4");
        File.Move(original, renamed);
        await TakeAsync(context);

        Assert.Null(context.Database.Get(original));
        var moved = context.Database.Get(renamed)!;
        Assert.Equal(FileStatus.Done, moved.Status);
        Assert.Equal(done.ItemId, moved.ItemId);
        Assert.DoesNotContain(context.Database.All(), file => file.Status is FileStatus.Ready or FileStatus.Uploading);
    }

    [Fact]
    public async Task A_copy_of_content_already_handled_is_skipped_and_an_output_is_never_taken_as_input()
    {
        using var context = _client.Open(_clock);
        var first = Path.Combine(_client.Drop, "a.mp4");
        await File.WriteAllBytesAsync(first, [9, 9, 9]);
        await TakeAsync(context);
        var output = Path.Combine(_client.Drop, "a.mkv");
        await File.WriteAllBytesAsync(output, [7, 7, 7]);
        context.Database.Put(context.Database.Get(first)! with { Status = FileStatus.Done, OutputPath = output, OutputSha512 = Sha512Hex.Of([7, 7, 7]) });

        var copy = Path.Combine(_client.Drop, "sub", "copy of a.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(first, copy);
        var outputCopy = Path.Combine(_client.Drop, "renamed output.mkv");
        File.Copy(output, outputCopy);
        await TakeAsync(context);

        Assert.Equal(FileStatus.Skipped, StatusOf(context, copy));
        Assert.Contains("same content as", context.Database.Get(copy)!.Errors[0], StringComparison.Ordinal);
        Assert.Null(context.Database.Get(output)); // the known output itself is not even looked at
        Assert.Equal(FileStatus.Skipped, StatusOf(context, outputCopy));
        Assert.Contains("is the output of", context.Database.Get(outputCopy)!.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hidden_files_partial_downloads_and_unobserved_types_are_ignored()
    {
        using var context = _client.Open(_clock);
        await File.WriteAllBytesAsync(Path.Combine(_client.Drop, ".hidden.mp4"), [1]);
        await File.WriteAllBytesAsync(Path.Combine(_client.Drop, ".film.mkv.0123.partial"), [1]);
        await File.WriteAllBytesAsync(Path.Combine(_client.Drop, "notes.txt"), [1]);
        await File.WriteAllBytesAsync(Path.Combine(_client.Drop, "picture.webp"), [1]);

        await context.Scanner.ScanAsync(CancellationToken.None);

        Assert.Empty(context.Database.All());
    }

    [Fact]
    public async Task A_linked_file_is_taken_but_a_linked_folder_is_not_entered_and_dangling_links_are_not_left_pending()
    {
        using var context = _client.Open(_clock);
        var outside = Directory.CreateDirectory(_client.Folder.Combine("elsewhere")).FullName;
        var film = Path.Combine(outside, "film.mp4");
        await File.WriteAllBytesAsync(film, [1, 2, 3]);
        var linkedFile = Path.Combine(_client.Drop, "film.mp4");
        File.CreateSymbolicLink(linkedFile, film);
        Directory.CreateDirectory(Path.Combine(_client.Drop, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(_client.Drop, "sub", "up"), _client.Drop); // a loop back to the root
        Directory.CreateSymbolicLink(Path.Combine(_client.Drop, "outside"), outside);
        File.CreateSymbolicLink(Path.Combine(_client.Drop, "gone.mp4"), Path.Combine(outside, "deleted.mp4"));
        File.CreateSymbolicLink(Path.Combine(_client.Drop, "a.mp4"), Path.Combine(_client.Drop, "b.mp4"));
        File.CreateSymbolicLink(Path.Combine(_client.Drop, "b.mp4"), Path.Combine(_client.Drop, "a.mp4"));

        await TakeAsync(context);

        var record = Assert.Single(context.Database.All());
        Assert.Equal(linkedFile, record.Path);
        Assert.Equal(FileStatus.Ready, record.Status);
        Assert.Equal(await Sha512Hex.OfFileAsync(film), record.Sha512Checksum);
        Assert.Equal(3, record.FileSize); // the film's size, not the link's

        // The target still growing keeps the link waiting, as for any file being copied.
        await File.AppendAllTextAsync(Path.Combine(outside, "growing.mp4"), "start");
        var growingLink = Path.Combine(_client.Drop, "growing.mp4");
        File.CreateSymbolicLink(growingLink, Path.Combine(outside, "growing.mp4"));
        await context.Scanner.ScanAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await File.AppendAllTextAsync(Path.Combine(outside, "growing.mp4"), "more");
        await context.Scanner.ScanAsync(CancellationToken.None);
        Assert.Equal(FileStatus.Waiting, StatusOf(context, growingLink));
    }

    [Fact]
    public async Task A_watched_folder_inside_another_keeps_its_own_files_and_conversion_types()
    {
        var inner = Path.Combine(_client.Drop, "phone");
        _client.Configure([("local", new Uri("http://127.0.0.1:9"))], settings: config => config["list_of_paths_to_observe"]!.AsArray().Add(
            new System.Text.Json.Nodes.JsonObject { ["path"] = inner, ["conversion_types"] = new System.Text.Json.Nodes.JsonObject { ["video"] = "mkv_x265" } }));
        using var context = _client.Open(_clock);
        var outer = Path.Combine(_client.Drop, "camera.mp4");
        var nested = Path.Combine(inner, "clip.mp4");
        Directory.CreateDirectory(inner);
        await File.WriteAllBytesAsync(outer, [1]);
        await File.WriteAllBytesAsync(nested, [2]);

        await TakeAsync(context);
        await TakeAsync(context);

        Assert.Equal("mkv_x264", context.Database.Get(outer)!.ConversionType);
        Assert.Equal("mkv_x265", context.Database.Get(nested)!.ConversionType);
        Assert.Equal(inner, context.Scanner.RootOf(nested)!.Path);
    }

    private async Task TakeAsync(MediaBroker.Client.Hosting.ClientContext context)
    {
        await context.Scanner.ScanAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await context.Scanner.ScanAsync(CancellationToken.None);
    }
}
