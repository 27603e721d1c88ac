using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MediaBroker.Dashboard.Tests.Browser;

/// <summary>The browser infrastructure itself: Debian's chromium starts, clicks, screenshots, and stays on loopback.</summary>
[Collection(ChromiumSession.Collection)]
public sealed class ChromiumSessionTests(ChromiumSession chromium) : IAsyncLifetime
{
    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Smoke</title></head>
        <body>
          <button id="greet" onclick="this.textContent = 'Hello, browser'">Say hello</button>
        </body>
        </html>
        """;

    private WebApplication _site = null!;

    // A page served over real HTTP on a loopback port of the OS's choosing, as the dashboard will be.
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _site = builder.Build();
        _site.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        await _site.StartAsync();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private string SiteUrl => _site.Urls.Single();

    [Fact]
    public async Task A_click_changes_the_button_text_and_the_page_is_saved_as_a_png()
    {
        var page = await chromium.NewPageAsync();
        await using var context = page.Context;

        await page.GotoAsync(SiteUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Say hello" }).ClickAsync();

        // Expect retries until the text shows up (or its timeout passes): no sleeping for the click to land.
        await Expect(page.Locator("#greet")).ToHaveTextAsync("Hello, browser");
        var screenshot = await ChromiumSession.SaveScreenshotAsync(page, nameof(A_click_changes_the_button_text_and_the_page_is_saved_as_a_png));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], File.ReadAllBytes(screenshot).Take(8));
    }

    [Fact]
    public async Task A_request_beyond_loopback_is_blocked_before_it_leaves_the_browser()
    {
        var page = await chromium.NewPageAsync();
        await using var context = page.Context;

        // TEST-NET-1 (RFC 5737): never anyone's server, and an IP literal, so not even a DNS lookup could leak.
        var error = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync("http://192.0.2.1/"));
        Assert.Contains("ERR_BLOCKED_BY_CLIENT", error.Message);
    }
}
