using MediaBroker.Client.State;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Sync;

/// <summary>
/// Once an output is placed and verified the client tells its broker, which frees its copy after keep_finished_hours
/// (0 here: at once): the library keeps the file, the broker only the item's record.
/// </summary>
public sealed class BrokerCopyTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("broker-copy");
    private readonly BrokerFleet _brokers;

    public BrokerCopyTests() => _brokers = new BrokerFleet(_client.Folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task A_placed_output_is_told_to_the_broker_which_frees_its_copy_while_the_library_keeps_it()
    {
        var broker = await _brokers.StartAsync(settings => settings with { KeepFinishedHours = 0 });
        _client.Configure([("a", broker.Url)]);
        var picture = await TestMedia.ImageAsync(Path.Combine(_client.Drop, "cat.png"), seed: 31);
        using var context = _client.Open();

        await ClientHarness.RunUntilAsync(context, () => context.Database.Get(picture)?.Status == FileStatus.Done, "the picture to be done");

        var record = context.Database.Get(picture)!;
        Assert.NotNull(record.BrokerToldAt);
        var item = await broker.Api.WaitForAsync(record.ItemId!.Value, item => item.FilesRemovedAt is not null, "the broker to free its copy");
        Assert.Equal(FilesRemovalReason.Fetched, item.FilesRemovedBecause);
        Assert.NotNull(item.FetchedAt);
        Assert.Equal(["item.json"], Directory.GetFiles(broker.Store.FolderOf(item)).Select(Path.GetFileName));
        Assert.Equal(item.Output!.Sha512Checksum, await Sha512Hex.OfFileAsync(Path.Combine(_client.Library, "cat.webp")));
    }

    [Fact]
    public async Task A_broker_that_did_not_hear_of_a_placed_output_is_told_at_the_next_pass()
    {
        var broker = await _brokers.StartAsync();
        _client.Configure([("a", broker.Url)]);
        var picture = await TestMedia.ImageAsync(Path.Combine(_client.Drop, "cat.png"), seed: 32);
        using var context = _client.Open();
        await ClientHarness.RunUntilAsync(context, () => context.Database.Get(picture)?.Status == FileStatus.Done, "the picture to be done");
        var itemId = context.Database.Get(picture)!.ItemId!.Value;
        Assert.NotNull((await broker.Api.GetItemAsync(itemId)).FetchedAt);

        // What a tell that did not get through leaves: a done file the broker was not told of (nor has on record).
        await broker.Store.UpdateAsync(itemId, current => current with { FetchedAt = null });
        context.Database.Put(context.Database.Get(picture)! with { BrokerToldAt = null });
        await context.Engine.RunPassAsync(scan: false, CancellationToken.None);

        Assert.NotNull(context.Database.Get(picture)!.BrokerToldAt);
        Assert.Equal(FileStatus.Done, context.Database.Get(picture)!.Status);
        Assert.NotNull((await broker.Api.GetItemAsync(itemId)).FetchedAt);
    }
}
