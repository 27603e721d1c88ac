using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>The page follows the broker's events: changes appear with no reload, also across a broker crash and restart.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class LiveUpdatesTests(ChromiumSession chromium)
{
    [Fact]
    public async Task An_item_handed_in_elsewhere_appears_and_finishes_on_an_open_page()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();
        await Assertions.Expect(harness.Page.Locator("#no-items")).ToBeVisibleAsync();

        var item = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("arrived.png"), seed: 4), "webp");

        await harness.WaitForRowStateAsync(item.ItemId, ItemStatus.FinishedSuccessful);
        await Assertions.Expect(harness.Page.Locator("#figures dd[data-state='finished_successful']")).ToHaveTextAsync("1");
        // The storage panel says why the output is still there: nobody has said they fetched it.
        await Assertions.Expect(harness.Page.Locator("#figures dd[data-figure='Kept until fetched']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9][0-9.]* (B|KB|MB)$"));
        await Assertions.Expect(harness.Page.Locator("#figures dd[data-figure='Kept after fetch']")).ToHaveTextAsync("0 B");
        await Assertions.Expect(harness.Page.Locator("#figures dd[data-figure='Files removed']")).ToHaveTextAsync("0 items");
        await harness.AssertNotReloadedAsync();
    }

    [Fact]
    public async Task After_a_broker_crash_and_restart_the_page_reconnects_and_shows_what_changed_while_it_was_away()
    {
        await using var harness = await DashboardHarness.StartAsync(chromium);
        var before = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("before.png"), seed: 6), "webp");
        await harness.WaitForStatusAsync(before.ItemId, ItemStatus.FinishedSuccessful);
        await harness.OpenAsync();
        await harness.WaitUntilLiveAsync();
        await harness.WaitForRowStateAsync(before.ItemId, ItemStatus.FinishedSuccessful);

        // The page may not reconnect until the changes are made: its event stream is held off meanwhile.
        await harness.Page.RouteAsync("**/api/events*", route => route.AbortAsync());
        Item? during = null;
        await harness.KillAndRestartAsync();
        await Assertions.Expect(harness.Page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        during = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("while away.png"), seed: 7), "webp");
        await harness.WaitForStatusAsync(during.ItemId, ItemStatus.FinishedSuccessful);
        await harness.Broker.Api.DeleteAsync(before.ItemId);
        await Assertions.Expect(harness.Row(during.ItemId)).ToHaveCountAsync(0); // nothing arrived while held off

        await harness.Page.UnrouteAsync("**/api/events*");

        await harness.WaitUntilLiveAsync();
        await harness.WaitForRowStateAsync(during.ItemId, ItemStatus.FinishedSuccessful);
        await Assertions.Expect(harness.Row(before.ItemId)).ToHaveCountAsync(0);
        await harness.AssertNotReloadedAsync();

        // And it is live again: a change after the reconnect arrives as an event.
        var after = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("after.png"), seed: 8), "webp");
        await harness.WaitForRowStateAsync(after.ItemId, ItemStatus.FinishedSuccessful);
    }
}
