using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests.Browser;

/// <summary>Every browser test shares one Chromium; each test gets a context (cookies, storage) of its own.</summary>
[CollectionDefinition(ChromiumSession.Collection)]
public sealed class BrowserCollection : ICollectionFixture<ChromiumSession>;

/// <summary>One headless Debian chromium, driven by Playwright's node driver from this project's bin folder.</summary>
public sealed class ChromiumSession : IAsyncLifetime
{
    public const string Collection = "browser";

    // Debian's package (scripts/setup --tests): Playwright's own browser downloads are never used here.
    private const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public static string ScreenshotFolder { get; } = Path.Combine(Repository.Root, ".test-results", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing; run scripts/setup --tests");
        }
        // Finds the driver in .playwright/ beside Microsoft.Playwright.dll (the package's build targets copy it there).
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Tests run as root in containers (no sandbox there), without a GPU, and must not phone home.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    /// <summary>
    /// A page in a fresh context, so no test sees another's cookies or storage. Close it with
    /// <c>await using var context = page.Context;</c> at the top of the test.
    /// </summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        // Tests may only talk to loopback: a page that reaches further (a CDN script, a font) fails here, not in production.
        await context.RouteAsync(url => !IsLoopbackOrLocal(url), route => route.AbortAsync("blockedbyclient"));
        return await context.NewPageAsync();
    }

    /// <summary>A full-page PNG in .test-results/screenshots, beside the .trx files scripts/test writes.</summary>
    public static async Task<string> SaveScreenshotAsync(IPage page, string testName)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        // The name becomes a file name: nothing in it may leave the folder.
        var safe = string.Concat(testName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).Trim('.');
        var path = Path.Combine(ScreenshotFolder, (safe.Length > 0 ? safe : "page") + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Type = ScreenshotType.Png });
        return path;
    }

    // data:, blob: and about: stay inside the browser; http(s) and ws(s) must go to this machine.
    private static bool IsLoopbackOrLocal(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var uri)
        || uri.Scheme is not ("http" or "https" or "ws" or "wss")
        || uri.IsLoopback;
}
