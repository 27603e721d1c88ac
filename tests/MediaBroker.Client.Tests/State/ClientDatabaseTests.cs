using MediaBroker.Client.State;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.State;

/// <summary>The client's items.json on an in-memory disk that can fill up: a save that cannot be written loses nothing saved before.</summary>
public sealed class ClientDatabaseTests
{
    private readonly FaultyFileSystem _disk = new();

    private static TrackedFile File(string path, FileStatus status) =>
        new() { Path = path, CreatedAt = DateTimeOffset.UnixEpoch, Status = status };

    [Fact]
    public async Task What_was_saved_is_there_after_a_restart_with_its_version()
    {
        var database = ClientDatabase.Open(_disk, "/state", forWriting: true);
        database.Put(File("/drop/a.mp4", FileStatus.Waiting));
        database.Put(File("/drop/a.mp4", FileStatus.Ready));
        await database.SaveAsync();

        var reopened = ClientDatabase.Open(_disk, "/state", forWriting: false);

        Assert.Equal(FileStatus.Ready, reopened.Get("/drop/a.mp4")!.Status);
        Assert.Equal(2, reopened.Get("/drop/a.mp4")!.Version);
    }

    [Fact]
    public async Task A_save_on_a_full_disk_fails_and_leaves_the_last_saved_file_whole()
    {
        var database = ClientDatabase.Open(_disk, "/state", forWriting: true);
        database.Put(File("/drop/a.mp4", FileStatus.Done));
        await database.SaveAsync();
        var saved = _disk.File.ReadAllText("/state/items.json");

        database.Put(File("/drop/b.mp4", FileStatus.Uploading));
        _disk.SpaceLeft = 10;
        await Assert.ThrowsAsync<IOException>(() => database.SaveAsync());

        Assert.Equal(saved, _disk.File.ReadAllText("/state/items.json"));
        Assert.Equal(["items.json"], _disk.Directory.EnumerateFiles("/state").Select(Path.GetFileName));
        _disk.SpaceLeft = null;
        await database.SaveAsync(); // still unsaved, so the next save writes it
        Assert.Equal(FileStatus.Uploading, ClientDatabase.Open(_disk, "/state", forWriting: false).Get("/drop/b.mp4")!.Status);
    }

    [Fact]
    public void Half_written_leftovers_of_a_crash_are_cleared_when_opened_for_writing_and_a_damaged_file_is_never_replaced()
    {
        _disk.Directory.CreateDirectory("/state");
        _disk.File.WriteAllText("/state/.items.json.0123.tmp", "{ \"files\": ");
        _disk.File.WriteAllText("/state/items.json", "{ damaged");

        var error = Assert.Throws<InvalidDataException>(() => ClientDatabase.Open(_disk, "/state", forWriting: true));

        Assert.Contains("move it away to start over", error.Message, StringComparison.Ordinal);
        Assert.Equal(["items.json"], _disk.Directory.EnumerateFiles("/state").Select(Path.GetFileName));
        Assert.Equal("{ damaged", _disk.File.ReadAllText("/state/items.json"));
    }
}
