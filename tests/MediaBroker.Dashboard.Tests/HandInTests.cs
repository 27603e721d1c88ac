using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>Hand in work through the page and take the result back: tus upload, live row, download.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class HandInTests(ChromiumSession chromium)
{
    [Fact]
    public async Task A_clip_chosen_on_the_page_is_uploaded_and_its_row_reaches_finished_successful_without_a_reload()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var clip = await TestMedia.VideoAsync(harness.Folder.Combine("beach walk.mp4"), seconds: 2, extension: "mp4", seed: 3);
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();

        await harness.Page.SelectOptionAsync("#conversion-type", "mkv_x264");
        await harness.Page.SetInputFilesAsync("#file-input", clip);

        var upload = harness.Page.Locator("#uploads li[data-file-name='beach walk.mp4']");
        await Assertions.Expect(upload).ToHaveAttributeAsync("data-state", "done", new() { Timeout = DashboardHarness.LongWait });
        var itemId = Guid.Parse((await upload.GetAttributeAsync("data-item-id"))!);
        await harness.WaitForRowStateAsync(itemId, ItemStatus.FinishedSuccessful);
        await Assertions.Expect(harness.Row(itemId).Locator(".file-name")).ToHaveTextAsync("beach walk.mp4");
        await Assertions.Expect(harness.Row(itemId).Locator(".saved")).ToContainTextAsync("saved");
        await harness.AssertNotReloadedAsync();

        var item = await harness.Broker.Api.GetItemAsync(itemId);
        Assert.Equal("mkv_x264", item.ConversionType);
        Assert.Equal(DashboardHarness.Sha512Of(clip), item.Sha512Checksum); // what arrived is what was chosen
    }

    [Fact]
    public async Task The_download_button_saves_the_output_whose_sha512_the_broker_recorded()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var picture = await TestMedia.ImageAsync(harness.Folder.Combine("garden.png"), size: "320x240", seed: 5);
        var item = await harness.UploadAsync(picture, "webp");
        await harness.OpenAsync();
        await harness.WaitForRowStateAsync(item.ItemId, ItemStatus.FinishedSuccessful);
        var finished = await harness.Broker.Api.GetItemAsync(item.ItemId);

        var download = await harness.Page.RunAndWaitForDownloadAsync(() => harness.Row(item.ItemId).Locator("button.download").ClickAsync());
        var saved = harness.Folder.Combine("downloaded.webp");
        await download.SaveAsAsync(saved);

        Assert.Equal(finished.Output!.FileName, download.SuggestedFilename);
        Assert.Equal(finished.Output.Sha512Checksum, DashboardHarness.Sha512Of(saved));
        Assert.Equal(finished.Output.FileSize, new FileInfo(saved).Length);
    }

    [Fact]
    public async Task An_upload_cut_by_a_reload_resumes_where_it_stopped_when_the_same_file_is_chosen_again()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var clip = await TestMedia.VideoAsync(harness.Folder.Combine("school play.mkv"), seconds: 20, size: "1280x720", seed: 12);
        var size = new FileInfo(clip).Length;
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();
        await ThrottleUploadsAsync(harness.Page, bytesPerSecond: 1024 * 1024);

        await harness.Page.SetInputFilesAsync("#file-input", clip);
        await harness.Page.WaitForFunctionAsync("() => Number(document.querySelector('#uploads li progress')?.value) >= 5",
            null, new() { Timeout = DashboardHarness.LongWait });
        await harness.Page.ReloadAsync();

        await Assertions.Expect(harness.Page.Locator("#unfinished-list li")).ToHaveTextAsync("school play.mkv");
        await harness.Page.SetInputFilesAsync("#file-input", clip);

        var upload = harness.Page.Locator("#uploads li[data-file-name='school play.mkv']");
        await Assertions.Expect(upload).ToHaveAttributeAsync("data-state", "done", new() { Timeout = DashboardHarness.LongWait });
        var resumedAt = long.Parse((await upload.GetAttributeAsync("data-resumed-at"))!);
        Assert.InRange(resumedAt, 1, size - 1); // went on from the broker's offset, not from the start
        var item = await harness.Broker.Api.GetItemAsync(Guid.Parse((await upload.GetAttributeAsync("data-item-id"))!));
        Assert.Equal(DashboardHarness.Sha512Of(clip), item.Sha512Checksum);
        await Assertions.Expect(harness.Page.Locator("#unfinished")).ToBeHiddenAsync();
    }

    /// <summary>Slows the page's uploads (Chromium's network emulation), so that a test can cut one in the middle.</summary>
    private static async Task ThrottleUploadsAsync(IPage page, int bytesPerSecond)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = bytesPerSecond,
        });
    }

    [Fact]
    public async Task An_upload_cut_by_a_broker_restart_resumes_and_the_item_arrives_whole()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        // Large enough that the restart lands in the middle: 16 MiB chunks, and the page is slowed to 4 MiB/s below.
        var clip = await TestMedia.VideoAsync(harness.Folder.Combine("long take.mkv"), seconds: 20, size: "1280x720", seed: 11);
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();
        await ThrottleUploadsAsync(harness.Page, bytesPerSecond: 4 * 1024 * 1024);

        await harness.Page.SetInputFilesAsync("#file-input", clip);
        var upload = harness.Page.Locator("#uploads li[data-file-name='long take.mkv']");
        await harness.Page.WaitForFunctionAsync("() => Number(document.querySelector('#uploads li progress')?.value) > 0",
            null, new() { Timeout = DashboardHarness.LongWait });
        await harness.KillAndRestartAsync();

        await Assertions.Expect(upload).ToHaveAttributeAsync("data-state", "done", new() { Timeout = DashboardHarness.LongWait });
        var itemId = Guid.Parse((await upload.GetAttributeAsync("data-item-id"))!);
        Assert.True(int.Parse(await upload.GetAttributeAsync("data-resumes") ?? "0") >= 1, "the upload never had to resume");
        var item = await harness.Broker.Api.GetItemAsync(itemId);
        Assert.Equal(DashboardHarness.Sha512Of(clip), item.Sha512Checksum);
        Assert.Equal(new FileInfo(clip).Length, item.FileSize);
    }
}
