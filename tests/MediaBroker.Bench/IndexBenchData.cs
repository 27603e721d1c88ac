using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Bench;

/// <summary>
/// A data folder of <c>count</c> finished films, as a broker that ran for years would have: each an item folder with
/// its item.json, and index.json written as a broker writes it. Finished, so that a broker started on it does not
/// set to work and change what is measured.
/// </summary>
public static class IndexBenchData
{
    /// <summary>The same record every time for the same number: the folder and index.json must name the same item.</summary>
    public static Item ItemNumber(int i, DateTimeOffset epoch)
    {
        var content = BitConverter.GetBytes(i);
        var status = i % 2 == 0 ? ItemStatus.FinishedSuccessful : ItemStatus.FinishedWithErrors;
        return ItemDrafts.Draft(content, $"film {i}.mp4") with
        {
            ItemId = new Guid(i, 0x1d3b, 0x4e21, [0x9a, 0x5c, 0, 0, 0, 0, 0, 0]),
            Status = status, CreatedAt = epoch.AddTicks(i), UpdatedAt = epoch, QueuedAt = epoch, Version = 3,
            Output = status == ItemStatus.FinishedSuccessful ? new ItemOutput($"film {i}.mkv", Sha512Hex.Of(content), 1_500_000_000) : null,
            Errors = status == ItemStatus.FinishedWithErrors ? ["ffmpeg: Invalid data found when processing input"] : [],
            Media = new MediaInfo
            {
                Type = MediaTypes.Video, Container = "matroska,webm", DurationSeconds = 5400, Width = 1920, Height = 1080,
                Streams = [new MediaStream(0, "video", "h264"), new MediaStream(1, "audio", "aac", "eng"), new MediaStream(2, "subtitle", "subrip", "eng")],
            },
        };
    }

    /// <summary>The item folders, then index.json (streamed: a million records never sit in memory at once).</summary>
    public static async Task CreateAsync(DataFolder data, int count)
    {
        data.EnsureCreated();
        var epoch = DateTimeOffset.UtcNow.AddDays(-1);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), async (i, ct) =>
        {
            var item = ItemNumber(i, epoch);
            var folder = Directory.CreateDirectory(data.ItemFolder(item)).FullName;
            await File.WriteAllBytesAsync(Path.Combine(folder, ItemFiles.Metadata), JsonSerializer.SerializeToUtf8Bytes(item, WireJsonContext.Default.Item), ct);
        });
        await using (var stream = new FileStream(data.IndexFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var writer = new SnapshotWriter(stream);
            writer.Begin(count, DateTimeOffset.UtcNow);
            foreach (var status in ItemStatuses.All)
            {
                writer.State(status);
                for (var i = 0; i < count; i++)
                {
                    var item = ItemNumber(i, epoch);
                    if (item.Status == status) writer.Item(item.ItemId, JsonSerializer.SerializeToUtf8Bytes(item, WireJsonContext.Default.Item));
                }
            }
            writer.End();
        }
    }
}
