using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using MediaBroker.Broker.Events;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>
/// Items made from links (<c>POST /api/items</c> with JSON) on a real broker with its real fetcher, fetching from a
/// web server on loopback that the broker's url_allow_list lets it reach.
/// </summary>
public sealed class LinkItemsTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("links");
    private PausingLinkServer _server = null!;
    private RunningBroker _broker = null!;

    private string Data => _folder.Combine("data");

    public async Task InitializeAsync()
    {
        _server = await PausingLinkServer.StartAsync();
        _broker = await StartBrokerAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private Task<RunningBroker> StartBrokerAsync() => RunningBroker.StartAsync(Data, settings => settings with { UrlAllowList = ["127.0.0.1"], LibraryPath = _folder.Combine("library") });

    private async Task<Uri> ServeVideoAsync(string name)
    {
        var video = await TestMedia.VideoAsync(_folder.Combine(name), seconds: 2, size: "320x240");
        return _server.Serve(name, video);
    }

    private Task<HttpResponseMessage> PostLinkAsync(object body) => _broker.Http.PostAsJsonAsync("api/items", body);

    private static async Task<Item> ItemOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Item))!;

    private static Item ItemOf(SseItem<string> item) => JsonSerializer.Deserialize(item.Data, WireJsonContext.Default.Item)!;

    [Fact]
    public async Task A_link_is_an_item_at_once_shows_its_download_then_is_converted_like_an_upload()
    {
        var link = await ServeVideoAsync("clip one.mkv");
        var size = new FileInfo(_folder.Combine("clip one.mkv")).Length;
        _server.HoldAfterBytes = 8192;
        await using var events = await EventStream.OpenAsync(_broker.Http);

        using var response = await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264", directory = "Films/Nature" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await ItemOfAsync(response);
        Assert.Equal($"/api/items/{created.ItemId:D}", response.Headers.Location?.OriginalString);
        Assert.Equal((ItemStatus.ToDo, ItemPhases.Downloading), (created.Status, created.Phase));
        Assert.Equal(("", 0L), (created.Sha512Checksum, created.FileSize));
        Assert.Equal(link.AbsoluteUri, created.Source?.Url);
        Assert.Equal("Films/Nature", created.Directory);
        Assert.Equal("clip one.mkv", created.OriginalFileName);

        // Held half way: the download's bytes are on the item, in GET and on the events.
        await _server.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var downloading = await _broker.Api.WaitForAsync(created.ItemId, item => item.Download is { Bytes: 8192 }, "8192 bytes downloaded");
        Assert.Equal(ItemPhases.Downloading, downloading.Phase);
        Assert.Equal(size, downloading.Download!.TotalBytes);
        var seen = await events.ReadUntilAsync(e => e.EventType == BrokerEvent.ItemChanged && ItemOf(e) is { Download.Bytes: 8192 } item
            && item.ItemId == created.ItemId, "the download's progress on the events");
        Assert.NotEmpty(seen);

        _server.Release();
        var finished = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Null(finished.Phase);
        Assert.Null(finished.Download);
        Assert.Equal(size, finished.FileSize);
        Assert.Equal(128, finished.Sha512Checksum.Length);
        Assert.Equal("video", finished.Media?.Type);
        Assert.Equal("clip one.mkv", finished.Output?.FileName);
        Assert.Equal(link.AbsoluteUri, finished.Source?.Url);
        var output = await _broker.Http.GetByteArrayAsync($"api/items/{created.ItemId}/output");
        Assert.Contains("h264", await TestMedia.ProbeAsync(await WriteAsync("out.mkv", output)));
    }

    [Fact]
    public async Task The_same_link_and_conversion_type_answers_with_the_existing_item()
    {
        var link = await ServeVideoAsync("same.mkv");
        var first = await ItemOfAsync(await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" }));

        using var again = await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first.ItemId, (await ItemOfAsync(again)).ItemId);

        await _broker.Api.WaitUntilFinishedAsync(first.ItemId);
        using var later = await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" });
        Assert.Equal((HttpStatusCode.OK, first.ItemId), (later.StatusCode, (await ItemOfAsync(later)).ItemId));

        using var otherType = await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x265" });
        Assert.Equal(HttpStatusCode.Created, otherType.StatusCode);
        Assert.NotEqual(first.ItemId, (await ItemOfAsync(otherType)).ItemId);
    }

    [Fact]
    public async Task Content_already_converted_for_the_client_is_not_converted_again_the_item_shares_that_output()
    {
        var first = await ServeVideoAsync("twice.mkv");
        var mirror = _server.Serve("mirror.mkv", _folder.Combine("twice.mkv"));
        var original = await _broker.Api.WaitUntilFinishedAsync((await ItemOfAsync(await PostLinkAsync(new { url = first.AbsoluteUri, conversion_type = "mkv_x264" }))).ItemId);

        var copy = await ItemOfAsync(await PostLinkAsync(new { url = mirror.AbsoluteUri, conversion_type = "mkv_x264" }));
        Assert.NotEqual(original.ItemId, copy.ItemId); // another link: another item, until its content is known

        var shared = await _broker.Api.WaitUntilFinishedAsync(copy.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, shared.Status);
        Assert.Equal(original.ItemId, shared.SameContentAs);
        Assert.Null(shared.StartedAt); // never converted
        Assert.Equal(original.Output!.Sha512Checksum, shared.Output!.Sha512Checksum);
        Assert.Equal("mirror.mkv", shared.Output.FileName);
        var bytes = await _broker.Http.GetByteArrayAsync($"api/items/{copy.ItemId}/output");
        Assert.Equal(original.Output.Sha512Checksum, MediaBroker.Shared.Hashing.Sha512Hex.Of(bytes));
    }

    [Fact]
    public async Task A_link_that_cannot_be_fetched_fails_with_the_reason_and_a_retry_fetches_it_again()
    {
        var link = new Uri(_server.Url, "files/later.mkv"); // not served yet: 404
        var created = await ItemOfAsync(await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" }));

        var failed = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.Contains("404", Assert.Single(failed.Errors));
        Assert.Equal("", failed.Sha512Checksum);

        await ServeVideoAsync("later.mkv");
        var retried = await _broker.Api.RetryAsync(created.ItemId);
        Assert.Equal((ItemStatus.ToDo, ItemPhases.Downloading), (retried.Status, retried.Phase));
        var finished = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Empty(finished.Errors);
    }

    [Fact]
    public async Task A_link_to_something_that_is_not_media_fails_with_the_reason()
    {
        var text = _folder.Combine("notes.txt");
        await File.WriteAllTextAsync(text, "not a video at all, only words\n");
        var link = _server.Serve("notes.txt", text);
        var created = await ItemOfAsync(await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" }));

        var failed = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.Contains("cannot convert", Assert.Single(failed.Errors));
    }

    [Theory]
    [InlineData("{}", "url is required")]
    [InlineData("""{"url": "ftp://127.0.0.1/clip.mkv"}""", "only http and https")]
    [InlineData("""{"url": "http://[::1]:9/clip.mkv"}""", "a loopback address")]
    [InlineData("""{"url": "clip.mkv"}""", "absolute")]
    [InlineData("""{"url": "http://127.0.0.1/a.mkv", "conversion_type": "gif"}""", "is not offered here; choose one of: ")]
    [InlineData("""{"url": "http://127.0.0.1/a.mkv", "directory": "../../etc"}""", "'..'")]
    [InlineData("""{"url": "http://127.0.0.1/a.mkv", "directory": "/srv/media"}""", "relative")]
    [InlineData("""{"url": """, "not JSON")]
    public async Task A_bad_link_request_is_refused_with_what_to_do_and_nothing_is_stored(string body, string detail)
    {
        using var response = await _broker.Http.PostAsync("api/items", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(0, _broker.Store.Depth().Total);
    }

    [Fact]
    public async Task A_link_naming_a_directory_is_refused_by_a_broker_without_a_library_as_an_upload_is()
    {
        await using var noLibrary = await RunningBroker.StartAsync(_folder.Combine("no-library"), settings => settings with { UrlAllowList = ["127.0.0.1"] });
        var body = new StringContent("""{"url": "http://127.0.0.1/a.mkv", "directory": "Films"}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await noLibrary.Http.PostAsync("api/items", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("has no library to place the output in", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(0, noLibrary.Store.Depth().Total);
    }

    [Fact]
    public async Task A_fetch_cut_by_a_stop_resumes_after_the_bytes_it_had_when_the_broker_starts_again()
    {
        var link = await ServeVideoAsync("resume.mkv");
        _server.HoldAfterBytes = 16384;
        var created = await ItemOfAsync(await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" }));
        await _server.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await _broker.Api.WaitForAsync(created.ItemId, item => item.Download is { Bytes: 16384 }, "16384 bytes downloaded");

        await _broker.DisposeAsync();
        _server.Release();
        _broker = await StartBrokerAsync();

        var finished = await _broker.Api.WaitUntilFinishedAsync(created.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(new FileInfo(_folder.Combine("resume.mkv")).Length, finished.FileSize);
        Assert.Contains("resume.mkv bytes=16384-", _server.Requests);
        // The restarted broker knows the link from its index: the same link answers with this item.
        using var again = await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" });
        Assert.Equal((HttpStatusCode.OK, created.ItemId), (again.StatusCode, (await ItemOfAsync(again)).ItemId));
    }

    [Fact]
    public async Task Deleting_an_item_while_its_link_is_fetched_stops_the_fetch_and_removes_it()
    {
        var link = await ServeVideoAsync("gone.mkv");
        _server.HoldAfterBytes = 8192;
        var created = await ItemOfAsync(await PostLinkAsync(new { url = link.AbsoluteUri, conversion_type = "mkv_x264" }));
        await _server.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));

        using var deleted = await _broker.Http.DeleteAsync($"api/items/{created.ItemId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var after = await _broker.Http.GetAsync($"api/items/{created.ItemId}");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(Data, "to_do", created.ItemId.ToString("D"))));
    }

    private async Task<string> WriteAsync(string name, byte[] bytes)
    {
        var path = _folder.Combine(name);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
