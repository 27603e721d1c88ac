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
        var waiting = database.Put(File("/drop/a.mp4", FileStatus.Waiting))!;
        database.Put(waiting with { Status = FileStatus.Ready });
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
        Assert.Equal(["items.json", ClientDatabase.LockFileName], _disk.Directory.EnumerateFiles("/state").Select(Path.GetFileName).Order(StringComparer.Ordinal));
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
        Assert.Equal(["items.json", ClientDatabase.LockFileName], _disk.Directory.EnumerateFiles("/state").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("{ damaged", _disk.File.ReadAllText("/state/items.json"));
    }

    // Two processes on one state_path: each a database of its own over the same items.json.

    [Fact]
    public async Task A_change_another_process_made_is_taken_in_at_the_next_save_and_the_changes_made_here_stay()
    {
        var watcher = ClientDatabase.Open(_disk, "/state", forWriting: true);
        var failed = watcher.Put(File("/drop/a.mp4", FileStatus.Failed))!;
        await watcher.SaveAsync();
        var command = ClientDatabase.Open(_disk, "/state", forWriting: true);

        await command.ChangeAsync(database => database.Put(database.Get("/drop/a.mp4")! with { Status = FileStatus.Converting }));
        watcher.Put(File("/drop/b.mp4", FileStatus.Ready));
        await watcher.SaveAsync();

        Assert.Equal(FileStatus.Converting, watcher.Get("/drop/a.mp4")!.Status);
        var reopened = ClientDatabase.Open(_disk, "/state", forWriting: false);
        Assert.Equal(FileStatus.Converting, reopened.Get("/drop/a.mp4")!.Status);
        Assert.Equal(FileStatus.Ready, reopened.Get("/drop/b.mp4")!.Status);
        // The copy the watcher still held from before is refused rather than written back over the change.
        Assert.Null(watcher.Put(failed with { Errors = ["stale"] }));
    }

    [Fact]
    public async Task A_record_changed_in_both_processes_keeps_the_change_made_under_the_lock_and_no_copy_from_before_it_passes()
    {
        var watcher = ClientDatabase.Open(_disk, "/state", forWriting: true);
        var converting = watcher.Put(File("/drop/a.mp4", FileStatus.Converting))!;
        await watcher.SaveAsync();
        var command = ClientDatabase.Open(_disk, "/state", forWriting: true);

        // The watcher saw the broker's old answer (failed) just before the user's retry went in.
        var stale = watcher.Put(converting with { Status = FileStatus.Failed })!;
        await command.ChangeAsync(database => database.Put(database.Get("/drop/a.mp4")! with { Status = FileStatus.Converting, Errors = ["retried"] }));
        await watcher.SaveAsync();

        Assert.Equal(["retried"], watcher.Get("/drop/a.mp4")!.Errors);
        Assert.Null(watcher.Put(stale with { Status = FileStatus.Done }));
        Assert.Equal(["retried"], ClientDatabase.Open(_disk, "/state", forWriting: false).Get("/drop/a.mp4")!.Errors);
    }
}
