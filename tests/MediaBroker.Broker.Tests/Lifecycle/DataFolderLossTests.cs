using System.Net;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>
/// The data folder vanishing under a running broker (an unplugged disk, a dropped mount, an rm -rf), shown here by
/// renaming it away and back: requests get a clear 503, conversions pause, and nothing is failed or lost for it.
/// </summary>
public sealed class DataFolderLossTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("loss");
    private readonly BrokerFleet _brokers;

    public DataFolderLossTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Requests_get_503_naming_the_missing_folder_and_it_is_never_recreated_behind_the_users_back()
    {
        var broker = await _brokers.StartAsync();
        var kept = await broker.Api.WaitUntilFinishedAsync((await (await broker.PostMultipartAsync(await TestMedia.ImageAsync(_folder.Combine("kept.png"), seed: 3))).ReadItemAsync()).ItemId);
        var root = broker.Store.Data.Root;

        Directory.Move(root, root + ".away");
        var upload = await broker.PostMultipartAsync(await TestMedia.ImageAsync(_folder.Combine("new.png"), seed: 4));
        var server = await broker.Http.GetAsync("/api/server");
        foreach (var response in new[] { upload, server })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains($"data folder is damaged ({root} is gone)", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(root));

        Directory.Move(root + ".away", root);
        Assert.Equal(HttpStatusCode.OK, (await broker.Http.GetAsync("/api/server")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await broker.Http.GetAsync($"/api/items/{kept.ItemId}/output")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await broker.PostMultipartAsync(_folder.Combine("new.png"))).StatusCode);
    }

    [Fact]
    public async Task A_conversion_interrupted_by_it_is_not_failed_but_converted_again_once_the_folder_is_back()
    {
        var broker = await _brokers.StartAsync(SlowProfiles.With);
        var clip = await TestMedia.VideoAsync(_folder.Combine("clip.mkv"), seconds: 4, seed: 6);
        var item = await (await broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = SlowProfiles.Name })).ReadItemAsync();
        await broker.Api.WaitForAsync(item.ItemId, current => current.Progress > 0, "the conversion to be under way");
        var root = broker.Store.Data.Root;

        Directory.Move(root, root + ".away");
        // ffmpeg keeps writing into the moved folder through its open file and ends; what follows cannot be recorded.
        var loss = broker.Services.GetRequiredService<DataFolderLoss>();
        await Eventually.TrueAsync(() => loss.IsWaiting, "the conversion to pause for the folder");
        Assert.Equal(ItemStatus.InProgress, (await broker.Api.GetItemAsync(item.ItemId)).Status);
        Directory.Move(root + ".away", root);

        var finished = await broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Empty(finished.Errors);
        // The input goes right after the verified output is on record; nothing partial stays.
        await DataFolderAssert.ItemFolderHoldsAsync(broker.Store, finished, "item.json", "output.mkv");
    }
}
