using System.Diagnostics;
using System.Net;
using MediaBroker.Shared.Hashing;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// A real broker on a real disk that fills up: a 48 MB tmpfs mounted for the test (the tests run as root). Uploads are
/// refused with 507 and leave nothing half-written, what is stored can still be read, and once there is room again
/// the broker goes on by itself.
/// </summary>
public sealed class FullDiskTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("full-disk");
    private string Disk => _folder.Combine("disk");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Disk);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", Disk);
    }

    public async Task DisposeAsync()
    {
        await RunAsync("umount", Disk);
        _folder.Dispose();
    }

    [Fact]
    public async Task A_full_disk_refuses_uploads_keeps_nothing_half_written_serves_what_it_has_and_recovers_by_itself()
    {
        var config = _folder.WriteFile("broker.json", """{ "min_free_bytes": 8000000 }"""u8.ToArray());
        await using var broker = await BrokerProcess.StartAsync(Path.Combine(Disk, "data"), configPath: config);
        var picture = await File.ReadAllBytesAsync(await TestMedia.ImageAsync(_folder.Combine("dog.png"), size: "640x480", seed: 95));
        var before = await broker.Api.WaitUntilFinishedAsync(await UploadAsync(broker, picture, "dog.png"));

        // Another program fills the disk to a few MB above the broker's floor.
        var filler = Path.Combine(Disk, "someone-elses-file");
        var free = new DriveInfo(Disk).AvailableFreeSpace;
        await File.WriteAllBytesAsync(filler, new byte[free - 10_000_000]);

        // 4 MB would fit the disk, not the disk and its output above the floor: refused before a byte is stored.
        using (var big = new MemoryStream(new byte[4_000_000]))
        {
            var refused = await Assert.ThrowsAsync<MediaBroker.Shared.Api.BrokerRejectedException>(() => broker.Api.UploadAsync(big, "big.mkv", "mkv_x264", Sha512Hex.Of(new byte[4_000_000])));
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.Status);
            Assert.Contains("min_free_bytes", refused.Detail, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Disk, "data", "incoming")));

        // What is stored is still served.
        using (var output = await broker.Http.GetAsync($"api/items/{before.ItemId}/output"))
        {
            Assert.Equal(HttpStatusCode.OK, output.StatusCode);
            Assert.Equal(before.Output!.Sha512Checksum, Sha512Hex.Of(await output.Content.ReadAsByteArrayAsync()));
        }

        // Room again: the same upload goes through and is converted, without a restart.
        File.Delete(filler);
        var after = await broker.Api.WaitUntilFinishedAsync(await UploadAsync(broker, await File.ReadAllBytesAsync(await TestMedia.ImageAsync(_folder.Combine("cat.png"), seed: 96)), "cat.png"));
        Assert.Equal(MediaBroker.Shared.Items.ItemStatus.FinishedSuccessful, after.Status);
        await broker.TerminateAsync();
        Invariants.BrokerHolds(MediaBroker.Testing.Disk.DataFolder(Path.Combine(Disk, "data")),
            [new Accepted(Sha512Hex.Of(picture), "webp"), new Accepted(after.Sha512Checksum, "webp")]);
    }

    private static async Task<Guid> UploadAsync(BrokerProcess broker, byte[] bytes, string name)
    {
        using var body = new MemoryStream(bytes);
        return (await broker.Api.UploadAsync(body, name, "webp", Sha512Hex.Of(bytes))).Item.ItemId;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {errors}");
    }
}
