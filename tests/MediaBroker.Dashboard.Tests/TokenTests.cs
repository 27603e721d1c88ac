using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>A broker with tokens: the page asks for one, keeps it for the tab, and shows what that token may see.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class TokenTests(ChromiumSession chromium)
{
    [Fact]
    public async Task A_token_protected_broker_asks_for_a_token_and_a_client_token_sees_its_own_items_only()
    {
        string clientToken = "", adminToken = "";
        await using var harness = await DashboardHarness.StartAsync(chromium, async data =>
        {
            clientToken = await AddTokenAsync(data, "phone", "client");
            adminToken = await AddTokenAsync(data, "root", "admin");
        });
        using var admin = new HttpClient { BaseAddress = harness.Broker.Url };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", adminToken);
        var theirs = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("theirs.png"), seed: 12), "webp", "someone-else", admin);
        var mine = await harness.UploadAsync(await TestMedia.ImageAsync(harness.Folder.Combine("mine.png"), seed: 13), "webp", "phone", admin);

        await harness.OpenAsync();
        var dialog = harness.Page.Locator("#token-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await harness.Page.Locator("#token-input").FillAsync("mbt_not-a-real-token");
        await harness.Page.Locator("#token-submit").ClickAsync();
        await Assertions.Expect(harness.Page.Locator("#token-error")).ToContainTextAsync("refused"); // asked again, with the reason

        await harness.Page.Locator("#token-input").FillAsync(clientToken);
        await harness.Page.Locator("#token-submit").ClickAsync();

        await harness.WaitUntilLiveAsync();
        await harness.WaitForRowStateAsync(mine.ItemId, ItemStatus.FinishedSuccessful);
        await Assertions.Expect(harness.Row(theirs.ItemId)).ToHaveCountAsync(0);
        await Assertions.Expect(harness.Page.Locator("#forget-token")).ToBeVisibleAsync();
        // The thumbnail came with the token too (fetched, shown from memory).
        await Assertions.Expect(harness.Row(mine.ItemId).Locator("img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
    }

    private static async Task<string> AddTokenAsync(string data, string name, string role)
    {
        var result = await BrokerCommand.RunAsync(data, "token", "add", name, "--role", role, "--data", data);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Trim();
    }
}
