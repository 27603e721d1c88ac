using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MediaBroker.Dashboard.Tests.Browser;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Playwright;

namespace MediaBroker.Dashboard.Tests;

/// <summary>
/// One test's broker (a real media-broker process in a temp folder) and a page of its dashboard in Chromium. Disposing
/// saves a screenshot of the page as it is then, passed or failed, under .test-results/screenshots, and what the
/// page logged beside it.
/// </summary>
public sealed class DashboardHarness : IAsyncDisposable
{
    public const float LongWait = 120_000; // ms: a safety net for conversions on a busy machine, never a speed test

    private readonly string _testName;
    private readonly List<string> _console = [];

    private DashboardHarness(TempFolder folder, BrokerProcess broker, IPage page, string testName)
    {
        Folder = folder;
        Broker = broker;
        Page = page;
        _testName = testName;
    }

    public TempFolder Folder { get; }
    public BrokerProcess Broker { get; private set; }
    public IPage Page { get; }
    public string DataPath => Folder.Combine("data");

    /// <param name="beforeStart">Runs on the data folder before the broker starts (to add tokens, say).</param>
    /// <param name="brokerJson">broker.json for the broker, when a test needs settings of its own.</param>
    public static async Task<DashboardHarness> StartAsync(ChromiumSession chromium, Func<string, Task>? beforeStart = null, string? brokerJson = null,
        [CallerMemberName] string testName = "")
    {
        var folder = new TempFolder("dashboard");
        var data = folder.Combine("data");
        Directory.CreateDirectory(data);
        if (beforeStart is not null) await beforeStart(data);
        var config = brokerJson is null ? null : folder.WriteFile("broker.json", System.Text.Encoding.UTF8.GetBytes(brokerJson));
        var broker = await BrokerProcess.StartAsync(data, configPath: config);
        var page = await chromium.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var harness = new DashboardHarness(folder, broker, page, testName);
        page.Console += (_, message) => { lock (harness._console) harness._console.Add($"{message.Type}: {message.Text}"); };
        page.PageError += (_, error) => { lock (harness._console) harness._console.Add($"page error: {error}"); };
        page.RequestFailed += (_, request) => { lock (harness._console) harness._console.Add($"request failed: {request.Method} {request.Url} {request.Failure}"); };
        return harness;
    }

    /// <summary>Opens the dashboard and marks the page, so that <see cref="AssertNotReloadedAsync"/> can tell a reload.</summary>
    public async Task OpenAsync()
    {
        await Page.GotoAsync(Broker.Url.ToString());
        await Page.EvaluateAsync("() => { window.loadedOnce = 'yes'; }");
    }

    public async Task AssertNotReloadedAsync() =>
        Assert.Equal("yes", await Page.EvaluateAsync<string?>("() => window.loadedOnce ?? null"));

    public async Task WaitUntilLiveAsync() =>
        await Assertions.Expect(Page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

    /// <summary>The row of an item in the table.</summary>
    public ILocator Row(Guid itemId) => Page.Locator($"#item-table tr[data-item-id='{itemId:D}']");

    public async Task WaitForRowStateAsync(Guid itemId, ItemStatus status) =>
        await Assertions.Expect(Row(itemId)).ToHaveAttributeAsync("data-status", status.WireName(), new() { Timeout = LongWait });

    /// <summary>Hands a file to the broker through the API, as a client would (not through the page).</summary>
    public async Task<Item> UploadAsync(string path, string? conversionType = null, string? clientId = null, HttpClient? http = null)
    {
        await using var content = File.OpenRead(path);
        var api = http is null ? Broker.Api : new BrokerApiClient(http);
        var (item, _) = await api.UploadAsync(content, Path.GetFileName(path), conversionType, Sha512Of(path), clientId);
        return item;
    }

    public async Task<Item> WaitForStatusAsync(Guid itemId, ItemStatus status) =>
        await Eventually.GetAsync(async () => await Broker.Api.GetItemAsync(itemId) is { } item && item.Status == status ? item : null,
            $"item {itemId} to reach {status.WireName()}");

    /// <summary>Kills the broker (SIGKILL, as a power cut) and starts it again on the same port and data folder.</summary>
    public async Task KillAndRestartAsync(Func<Task>? whileAway = null)
    {
        var port = Broker.Url.Port;
        await Broker.KillAsync();
        await Broker.DisposeAsync();
        if (whileAway is not null) await whileAway();
        Broker = await BrokerProcess.StartAsync(DataPath, port);
    }

    public static string Sha512Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA512.HashData(stream));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var screenshot = await ChromiumSession.SaveScreenshotAsync(Page, _testName);
            // What the page said (console, script errors, failed requests), beside its screenshot: the first thing to read when a test fails.
            lock (_console) File.WriteAllLines(Path.ChangeExtension(screenshot, ".console.txt"), _console);
        }
        finally
        {
            await Page.Context.CloseAsync();
            await Broker.DisposeAsync();
            Folder.Dispose();
        }
    }
}
