using System.Net;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>A file name is display data: whatever it says, the file lands in its item folder as "input" and nowhere else.</summary>
public sealed class HostileFileNameTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("hostile");
    private RunningBroker _broker = null!;
    private static int _seed;

    public static TheoryData<string> Names => new()
    {
        "../../x",
        "../../../../../../etc/passwd",
        "/etc/cron.d/evil",
        "C:\\Windows\\System32\\evil.png",
        "..",
        ".",
        "",
        "a\0b.png",
        "line\r\nX-Injected: yes.png",
        "%2e%2e%2fescaped.png",
        new string('n', 300) + ".png",
        "Ünïcødé 🎬 فيلم \u202Egnp.exe",
        "con.png",
        "-i file:secret.png",
    };

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_hostile_file_name_is_stored_safely_and_converted(string name)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine("src", $"{Guid.NewGuid():N}.png"), seed: Interlocked.Increment(ref _seed));

        var raw = await _broker.PostRawAsync(File.ReadAllBytes(image), $"file_name={Uri.EscapeDataString(name)}");

        Assert.Equal(HttpStatusCode.Created, raw.StatusCode);
        var item = await raw.ReadItemAsync();
        Assert.DoesNotContain(item.OriginalFileName, char.IsControl);
        Assert.True(item.OriginalFileName.Length <= 255);
        Assert.DoesNotContain('/', item.CurrentFileName);
        Assert.DoesNotContain('\\', item.CurrentFileName);
        Assert.False(item.CurrentFileName.StartsWith('.'));
        Assert.DoesNotContain(item.CurrentFileName, char.IsControl);

        var finished = await _broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        // Nothing was written outside the data folder, and inside it every file is where the layout puts it.
        Assert.Equal(["data", "src"], Directory.EnumerateFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order());
        DataFolderAssert.OnlyKnownFiles(_broker.Store.Data, whileRunning: true);
        await DataFolderAssert.ItemFolderHoldsAsync(_broker.Store, finished, "item.json", "output.webp");
        using var download = await _broker.Http.GetAsync($"api/items/{item.ItemId}/output");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.False(download.Headers.Contains("X-Injected"));
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.EndsWith(".webp", disposition.FileNameStar ?? disposition.FileName, StringComparison.Ordinal);
        Assert.DoesNotContain("/", disposition.FileNameStar ?? disposition.FileName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NUL.png", "NUL_.png", "NUL_.webp")]
    [InlineData("com1", "com1_", "com1_.webp")]
    [InlineData("holiday\u202Egnp.exe.png", "holidaygnp.exe.png", "holidaygnp.exe.webp")]
    [InlineData("\u2067clip\u2069.png. . ", "clip.png", "clip.webp")]
    public async Task A_download_name_has_no_bidi_controls_no_windows_device_name_and_no_trailing_dot(string name, string current, string download)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine("src", $"{Guid.NewGuid():N}.png"), seed: Interlocked.Increment(ref _seed));

        var raw = await _broker.PostRawAsync(File.ReadAllBytes(image), $"file_name={Uri.EscapeDataString(name)}");

        Assert.Equal(HttpStatusCode.Created, raw.StatusCode);
        var item = await raw.ReadItemAsync();
        Assert.Equal(current, item.CurrentFileName);
        Assert.DoesNotContain(item.OriginalFileName, c => c is '\u202E' or '\u2067' or '\u2069');
        var finished = await _broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        using var response = await _broker.Http.GetAsync($"api/items/{item.ItemId}/output");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal(download, disposition.FileNameStar ?? disposition.FileName);
        // Neither the plain name nor its RFC 5987 form carries a bidi control, escaped or not.
        Assert.DoesNotContain("%E2%80%AE", disposition.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("%E2%81%A7", disposition.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_hostile_multipart_file_name_is_stored_safely()
    {
        var image = await TestMedia.ImageAsync(_folder.Combine("src", "m.png"), seed: 1000);
        var response = await _broker.PostMultipartAsync(image, "../../../outside.png");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.ReadItemAsync();
        Assert.Equal("../../../outside.png", item.OriginalFileName);
        Assert.Equal("outside.png", item.CurrentFileName);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "outside.png")));
        Assert.False(File.Exists(Path.Combine(_broker.Store.Data.Root, "outside.png")));
    }
}
