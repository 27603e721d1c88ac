using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// Links end to end: a real broker process, with 127.0.0.1 in its url_allow_list, fetches a clip from a web server on
/// loopback with its real fetcher, is killed (as kill -9 would) in the middle, resumes with Range once started again,
/// and converts what it fetched.
/// </summary>
public sealed class LinkFetchTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("link-fetch");
    private PausingLinkServer _server = null!;

    private string Data => _folder.Combine("data");

    public async Task InitializeAsync() => _server = await PausingLinkServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private Task<BrokerProcess> StartBrokerAsync() =>
        BrokerProcess.StartAsync(Data, configPath: _folder.WriteFile("broker.json", """{ "url_allow_list": ["127.0.0.1"] }"""u8.ToArray()));

    [Fact]
    public async Task A_direct_link_is_fetched_resumed_after_a_kill_and_converted()
    {
        var clip = await TestMedia.VideoAsync(_folder.Combine("lighthouse.mkv"), seconds: 3, size: "320x240");
        var link = _server.Serve("lighthouse.mkv", clip);
        _server.HoldAfterBytes = 32 * 1024;
        var broker = await StartBrokerAsync();
        Guid itemId;
        try
        {
            var (created, isNew) = await broker.Api.AddLinkAsync(new LinkRequest { Url = link.AbsoluteUri, ConversionType = "mkv_x264" });
            Assert.True(isNew);
            itemId = created.ItemId;
            await _server.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await broker.Api.WaitForAsync(itemId, item => item.Download is { Bytes: 32 * 1024 }, "32 KiB fetched");
            await broker.KillAsync();
        }
        finally
        {
            await broker.DisposeAsync();
        }

        _server.Release();
        await using var again = await StartBrokerAsync();
        var finished = await again.Api.WaitUntilFinishedAsync(itemId);

        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(await Sha512Hex.OfFileAsync(clip), finished.Sha512Checksum); // every byte, once, in order
        // Resumed after the bytes that had reached the disk when the broker was killed, not from the start.
        Assert.Contains(_server.Requests, request => request.StartsWith("lighthouse.mkv bytes=", StringComparison.Ordinal) && !request.EndsWith("bytes=0-", StringComparison.Ordinal));
        var output = _folder.Combine("lighthouse-out.mkv");
        await File.WriteAllBytesAsync(output, await again.Http.GetByteArrayAsync($"api/items/{itemId}/output"));
        Assert.Contains("h264", await TestMedia.ProbeAsync(output));
    }
}
