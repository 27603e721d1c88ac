using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>
/// The page with a few dozen items in every state: what each state shows, the filters, and the page on a phone, by
/// keyboard and in dark mode. The first test's screenshot is the one in docs/dashboard.png.
/// </summary>
[Collection(ChromiumSession.Collection)]
public sealed class OverviewTests(ChromiumSession chromium)
{
    private static readonly string[] PictureNames =
    [
        "IMG_2041.jpg", "IMG_2042.jpg", "IMG_2043.jpg", "garden in may.png", "IMG_2107.jpg", "scan-0001.png", "IMG_2110.jpg",
        "beach sunset.jpg", "IMG_2201.jpg", "IMG_2202.jpg", "grandma 80th.jpg", "IMG_2230.jpg", "receipt.png", "IMG_2301.jpg",
        "holiday 2026 - harbour.jpg", "holiday 2026 - boat.jpg", "IMG_2388.jpg", "IMG_2390.jpg", "map.png", "IMG_2402.jpg",
    ];

    private static readonly string[] QueuedNames =
        ["holiday 2026 - market.jpg", "IMG_2500.jpg", "IMG_2501.jpg", "IMG_2502.jpg", "kids drawing.png", "IMG_2510.jpg"];

    [Fact]
    public async Task A_few_dozen_items_in_mixed_states_each_show_their_state_and_the_filters_narrow_them()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var seed = 100;
        foreach (var name in PictureNames)
            await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine(name), Path.GetExtension(name).TrimStart('.'), "640x480", seed++), "webp");
        var failed = new List<Item>();
        foreach (var name in (string[])["old camcorder tape.mkv", "phone video (damaged).mkv", "download.mkv"])
            failed.Add(await harness.UploadAsync(await TestMedia.BrokenVideoAsync(harness.Folder.Combine(name), seed++), "mkv_x264"));
        foreach (var item in failed) await harness.WaitForStatusAsync(item.ItemId, ItemStatus.FinishedWithErrors);
        var clip = await harness.UploadAsync(await TestMedia.VideoAsync(harness.Folder.Combine("holiday 2026 - drone.mkv"), seconds: 30, size: "1280x720", seed: seed++), "mkv_x265");
        var converting = await harness.WaitForStatusAsync(clip.ItemId, ItemStatus.InProgress);
        var queued = new List<Item>();
        foreach (var name in QueuedNames)
            queued.Add(await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine(name), Path.GetExtension(name).TrimStart('.'), "640x480", seed++), "webp"));

        await harness.OpenAsync();
        var page = harness.Page;
        await harness.WaitForRowStateAsync(converting.ItemId, ItemStatus.InProgress);
        await page.WaitForFunctionAsync(
            "id => Number(document.querySelector(`tr[data-item-id='${id}'] progress`)?.value) > 0", converting.ItemId.ToString("D"),
            new() { Timeout = DashboardHarness.LongWait });
        await Assertions.Expect(page.Locator("#item-table tbody tr")).ToHaveCountAsync(PictureNames.Length + 3 + 1 + QueuedNames.Length);
        await Assertions.Expect(page.Locator("#item-table tbody tr .badge[data-status='finished_with_errors']")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#running li[data-item-id]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#figures dd[data-state='to_do']")).ToHaveTextAsync(QueuedNames.Length.ToString());
        await page.SetViewportSizeAsync(1280, 1700);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#item-table img')].slice(0, 16).every(image => image.complete)");
        // The picture in the README (docs/dashboard.png) is this one.
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumSession.ScreenshotFolder, "dashboard.png") });

        await page.SelectOptionAsync("#state-filter", "to_do");
        await Assertions.Expect(page.Locator("#item-table tbody tr")).ToHaveCountAsync(QueuedNames.Length);
        await page.SelectOptionAsync("#state-filter", "");
        await page.FillAsync("#search", "holiday 2026");
        await Assertions.Expect(page.Locator("#item-table tbody tr")).ToHaveCountAsync(4); // harbour, boat, drone, market
        await Assertions.Expect(page.Locator("#item-table tbody tr").First).ToContainTextAsync("market"); // newest first
    }

    [Fact]
    public async Task The_page_fits_a_phone_works_by_keyboard_and_reads_in_dark_mode()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var item = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("a rather long name for a picture taken on a phone.png"), seed: 30), "webp");
        var page = harness.Page;
        await page.SetViewportSizeAsync(390, 844);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await harness.OpenAsync();
        await harness.WaitForRowStateAsync(item.ItemId, ItemStatus.FinishedSuccessful);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
        var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(17, 20, 24)", background); // the dark palette, not white

        // Tab order reaches the file chooser and the row's buttons, and Enter on Delete opens the confirmation.
        var reached = new HashSet<string>();
        for (var i = 0; i < 40 && !reached.Contains("delete"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached.Add(await page.EvaluateAsync<string>("() => document.activeElement?.id || document.activeElement?.classList[0] || ''"));
        }
        Assert.Contains("file-input", reached);
        Assert.Contains("download", reached);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#confirm-dialog")).ToBeHiddenAsync();
    }
}
