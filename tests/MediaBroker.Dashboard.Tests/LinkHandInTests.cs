using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>A link pasted on the page: the broker fetches it, the row shows the download, then the conversion.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class LinkHandInTests(ChromiumSession chromium)
{
    private const string AllowLoopback = """{ "url_allow_list": ["127.0.0.1"], "library_path": "library" }""";

    [Fact]
    public async Task A_pasted_link_is_fetched_its_row_shows_the_download_and_then_reaches_finished_successful()
    {
        await using var server = await PausingLinkServer.StartAsync();
        await using var harness = await DashboardHarness.StartAsync(chromium, brokerJson: AllowLoopback);
        var clip = await TestMedia.VideoAsync(harness.Folder.Combine("harbour.mkv"), seconds: 2, size: "320x240", seed: 4);
        var link = server.Serve("harbour.mkv", clip);
        server.HoldAfterBytes = 8192;
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();

        await harness.Page.SelectOptionAsync("#conversion-type", "mkv_x264");
        await harness.Page.FillAsync("#link-url", link.AbsoluteUri);
        await harness.Page.FillAsync("#link-dir", "Trips/Harbour");
        await harness.Page.ClickAsync("#link-form button[type=submit]");

        await Assertions.Expect(harness.Page.Locator("#link-result")).ToHaveAttributeAsync("data-item-id", new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        var itemId = Guid.Parse((await harness.Page.Locator("#link-result").GetAttributeAsync("data-item-id"))!);
        var fetching = harness.Row(itemId).Locator(".fetching");
        await Assertions.Expect(fetching).ToContainTextAsync("downloading 8.2 KB of", new() { Timeout = DashboardHarness.LongWait });
        await Assertions.Expect(harness.Row(itemId).Locator("progress")).ToHaveAttributeAsync("max", "100");

        server.Release();
        await harness.WaitForRowStateAsync(itemId, ItemStatus.FinishedSuccessful);
        await Assertions.Expect(fetching).ToHaveCountAsync(0);
        await harness.AssertNotReloadedAsync();
        var item = await harness.Broker.Api.GetItemAsync(itemId);
        Assert.Equal(("mkv_x264", "Trips/Harbour", link.AbsoluteUri), (item.ConversionType, item.Directory, item.Source?.Url));
        Assert.Equal(DashboardHarness.Sha512Of(clip), item.Sha512Checksum);
    }

    [Fact]
    public async Task A_link_the_broker_refuses_shows_the_reason_beside_the_field()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();

        await harness.Page.FillAsync("#link-url", "http://[::1]:9/clip.mkv");
        await harness.Page.ClickAsync("#link-form button[type=submit]");

        await Assertions.Expect(harness.Page.Locator("#link-result.error")).ToContainTextAsync("a loopback address");
        Assert.Empty((await harness.Broker.Api.ListAsync(new Dictionary<string, string?>())).Items);
    }
}
