using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>What a row offers besides the download: retry a failed item (its error in full), delete after a confirmation.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class ItemActionsTests(ChromiumSession chromium)
{
    [Fact]
    public async Task A_failed_item_shows_its_error_in_full_and_retry_runs_it_again()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var broken = await TestMedia.BrokenVideoAsync(harness.Folder.Combine("broken.mkv"), seed: 9);
        var item = await harness.UploadAsync(broken, "mkv_x264");
        var failed = await harness.WaitForStatusAsync(item.ItemId, ItemStatus.FinishedWithErrors);
        await harness.OpenAsync();
        await harness.WaitForRowStateAsync(item.ItemId, ItemStatus.FinishedWithErrors);

        var row = harness.Row(item.ItemId);
        await row.Locator(".errors summary").ClickAsync();
        await Assertions.Expect(row.Locator(".errors pre")).ToContainTextAsync(failed.Errors[0]);

        await row.Locator("button.retry").ClickAsync();
        // The same broken file fails again, but as a new conversion: the row follows it live, to a later version.
        await harness.Page.WaitForFunctionAsync(
            "([id, version]) => { const row = document.querySelector(`tr[data-item-id='${id}']`); "
            + "return row && Number(row.dataset.version) > version && row.dataset.status === 'finished_with_errors'; }",
            new object[] { item.ItemId.ToString("D"), failed.Version + 1 }, new() { Timeout = DashboardHarness.LongWait });
        var again = await harness.Broker.Api.GetItemAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, again.Status);
        Assert.True(again.Version >= failed.Version + 3, $"version {again.Version}: to_do, in_progress and a new failure after {failed.Version}");
        await harness.AssertNotReloadedAsync();
    }

    [Fact]
    public async Task A_row_says_where_the_output_went_in_the_library()
    {
        // Beside broker.json, in the harness's own folder.
        await using var harness = await DashboardHarness.StartAsync(chromium, brokerJson: """{ "library_path": "library" }""");
        using var form = new MultipartFormDataContent
        {
            { new StringContent("webp"), "conversion_type" },
            { new StringContent("Pictures/Trip"), "directory" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(await TestMedia.ImageAsync(harness.Folder.Combine("beach.png"), seed: 5))), "file", "beach.png" },
        };
        var item = await (await harness.Broker.Http.PostAsync("api/items", form)).ReadItemAsync();
        await harness.Broker.Api.WaitForAsync(item.ItemId, placed => placed.Library?.Path is not null, "its place in the library");

        await harness.OpenAsync();

        var shown = harness.Row(item.ItemId).Locator(".library");
        await Assertions.Expect(shown).ToHaveTextAsync("library: Pictures/Trip/beach.webp", new() { Timeout = DashboardHarness.LongWait });
        await Assertions.Expect(shown).ToHaveAttributeAsync("title", "hard link");
        Assert.True(File.Exists(harness.Folder.Combine("library", "Pictures", "Trip", "beach.webp")));
    }

    [Fact]
    public async Task Delete_asks_first_and_then_removes_the_item_from_the_page_and_the_broker()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var keep = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("keep.png"), seed: 1), "webp");
        var drop = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("drop.png"), seed: 2), "webp");
        await harness.OpenAsync();
        await harness.WaitForRowStateAsync(drop.ItemId, ItemStatus.FinishedSuccessful);

        await harness.Row(drop.ItemId).Locator("button.delete").ClickAsync();
        var dialog = harness.Page.Locator("#confirm-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("drop.png");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();
        Assert.Equal(drop.ItemId, (await harness.Broker.Api.GetItemAsync(drop.ItemId)).ItemId); // cancel keeps it

        await harness.Row(drop.ItemId).Locator("button.delete").ClickAsync();
        await harness.Page.Locator("#confirm-ok").ClickAsync();

        await Assertions.Expect(harness.Row(drop.ItemId)).ToHaveCountAsync(0);
        await Assertions.Expect(harness.Row(keep.ItemId)).ToHaveCountAsync(1);
        var gone = await harness.Broker.Api.ListAsync(new Dictionary<string, string?> { ["ids"] = drop.ItemId.ToString("D") });
        Assert.Empty(gone.Items);
    }
}
