using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

public sealed class ItemsApiTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("items");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> UploadImageAsync(int seed, string clientId = "local")
    {
        var image = await TestMedia.ImageAsync(_folder.Combine($"i{seed}.png"), seed: seed);
        var response = await _broker.PostMultipartAsync(image, fields: new Dictionary<string, string> { ["client_id"] = clientId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await response.ReadItemAsync();
        Assert.Equal($"/api/items/{item.ItemId:D}", response.Headers.Location?.OriginalString);
        return item;
    }

    [Fact]
    public async Task An_uploaded_image_is_converted_and_its_output_carries_etag_and_digest()
    {
        var item = await UploadImageAsync(1);
        Assert.Equal("image", item.Media!.Type);
        Assert.Equal("webp", item.ConversionType);

        var finished = await _broker.Api.WaitUntilFinishedAsync(item.ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(1, finished.Progress);

        using var response = await _broker.Http.GetAsync($"api/items/{item.ItemId}/output");
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"\"{finished.Output!.Sha512Checksum}\"", response.Headers.ETag?.Tag);
        Assert.Equal(Sha512Hex.Of(body), finished.Output.Sha512Checksum);
        Assert.Equal($"sha-512=:{Convert.ToBase64String(SHA512.HashData(body))}:", response.Headers.GetValues("Repr-Digest").Single());
        Assert.Equal(finished.Output.FileSize, body.Length);
        Assert.Equal("i1.webp", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);

        using var head = await _broker.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"api/items/{item.ItemId}/output"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(finished.Output.FileSize, head.Content.Headers.ContentLength);
        Assert.Equal(response.Headers.ETag, head.Headers.ETag);
    }

    [Fact]
    public async Task A_download_cut_short_resumes_with_range_and_if_range()
    {
        var video = await TestMedia.VideoAsync(_folder.Combine("r.mkv"), seconds: 1, size: "160x120");
        var created = await _broker.PostMultipartAsync(video, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" });
        var finished = await _broker.Api.WaitUntilFinishedAsync((await created.ReadItemAsync()).ItemId);
        var etag = new EntityTagHeaderValue($"\"{finished.Output!.Sha512Checksum}\"");

        using var first = new HttpRequestMessage(HttpMethod.Get, $"api/items/{finished.ItemId}/output");
        first.Headers.Range = new RangeHeaderValue(0, 999);
        using var head = await _broker.Http.SendAsync(first);
        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        var start = await head.Content.ReadAsByteArrayAsync();
        Assert.Equal(1000, start.Length);

        using var rest = new HttpRequestMessage(HttpMethod.Get, $"api/items/{finished.ItemId}/output");
        rest.Headers.Range = new RangeHeaderValue(1000, null);
        rest.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using var tail = await _broker.Http.SendAsync(rest);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        var whole = start.Concat(await tail.Content.ReadAsByteArrayAsync()).ToArray();
        Assert.Equal(finished.Output.Sha512Checksum, Sha512Hex.Of(whole));

        using var stale = new HttpRequestMessage(HttpMethod.Get, $"api/items/{finished.ItemId}/output");
        stale.Headers.Range = new RangeHeaderValue(1000, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"something-else\""));
        using var full = await _broker.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(finished.Output.FileSize, (await full.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task The_output_of_an_unfinished_item_is_a_409_and_an_unknown_item_a_404()
    {
        var item = await UploadImageAsync(77);
        await _broker.Api.WaitUntilFinishedAsync(item.ItemId);
        // Put it back in in_progress by hand, as if a conversion were running.
        await _broker.Store.UpdateAsync(item.ItemId, current => current with { Status = ItemStatus.InProgress });

        using var notReady = await _broker.Http.GetAsync($"api/items/{item.ItemId}/output");
        Assert.Equal(HttpStatusCode.Conflict, notReady.StatusCode);
        Assert.Contains("in_progress", await notReady.ReadProblemDetailAsync(), StringComparison.Ordinal);

        using var unknown = await _broker.Http.GetAsync($"api/items/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("there is no item", await unknown.ReadProblemDetailAsync(), StringComparison.Ordinal);
        using var notAnId = await _broker.Http.GetAsync("api/items/..%2F..%2Fetc%2Fpasswd");
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }

    [Fact]
    public async Task Items_can_be_listed_by_client_status_and_ids_and_paged()
    {
        var mine = new[] { await UploadImageAsync(11, "alice"), await UploadImageAsync(12, "alice") };
        var theirs = await UploadImageAsync(13, "bob");
        foreach (var item in mine.Append(theirs)) await _broker.Api.WaitUntilFinishedAsync(item.ItemId);

        var alice = await _broker.Api.ListAsync(new Dictionary<string, string?> { ["client_id"] = "alice" });
        Assert.Equal(mine.Select(item => item.ItemId), alice.Items.Select(item => item.ItemId));

        var byIds = await _broker.Api.ListAsync(new Dictionary<string, string?> { ["ids"] = $"{theirs.ItemId},{mine[0].ItemId}" });
        Assert.Equal(new[] { mine[0].ItemId, theirs.ItemId }, byIds.Items.Select(item => item.ItemId));

        var done = await _broker.Api.ListAsync(new Dictionary<string, string?> { ["status"] = "finished_successful", ["limit"] = "2" });
        Assert.Equal(2, done.Items.Count);
        Assert.NotNull(done.NextAfter);
        var next = await _broker.Api.ListAsync(new Dictionary<string, string?> { ["status"] = "finished_successful", ["after"] = done.NextAfter.ToString() });
        Assert.Equal(theirs.ItemId, Assert.Single(next.Items).ItemId);
        Assert.Null(next.NextAfter);

        var bySha = await _broker.Api.ListAsync(new Dictionary<string, string?> { ["sha512"] = theirs.Sha512Checksum, ["conversion_type"] = "webp" });
        Assert.Equal(theirs.ItemId, Assert.Single(bySha.Items).ItemId);
    }

    [Theory]
    [InlineData("status=done", "status 'done' is not one of")]
    [InlineData("ids=1,2", "ids: '1' is not an item id")]
    [InlineData("limit=0", "limit must be a number from 1 to 1000")]
    [InlineData("sha512=zz", "sha512 must be 128 hex digits")]
    public async Task A_bad_filter_is_a_400_that_names_it(string query, string expected)
    {
        using var response = await _broker.Http.GetAsync($"api/items?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_item_can_be_retried_and_only_a_failed_one()
    {
        var corrupt = await TestMedia.VideoAsync(_folder.Combine("c.mkv"), seconds: 2);
        var bytes = File.ReadAllBytes(corrupt);
        // Keep the header (so ffprobe accepts it) and destroy the frames.
        for (var i = bytes.Length / 3; i < bytes.Length; i++) bytes[i] = (byte)(i * 7);
        var created = await _broker.PostRawAsync(bytes, "file_name=broken.mkv&conversion_type=mkv_x264");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var failed = await _broker.Api.WaitUntilFinishedAsync((await created.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.NotEmpty(failed.Errors);

        var retried = await _broker.Api.RetryAsync(failed.ItemId);
        Assert.Equal(ItemStatus.ToDo, retried.Status);
        Assert.Empty(retried.Errors);
        var again = await _broker.Api.WaitUntilFinishedAsync(failed.ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, again.Status);

        var good = await UploadImageAsync(21);
        await _broker.Api.WaitUntilFinishedAsync(good.ItemId);
        var refusal = await Assert.ThrowsAsync<BrokerRejectedException>(() => _broker.Api.RetryAsync(good.ItemId));
        Assert.Equal(HttpStatusCode.Conflict, refusal.Status);
        Assert.Contains("finished_with_errors can be retried", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_an_item_removes_its_files_and_it_is_gone()
    {
        var item = await UploadImageAsync(31);
        var finished = await _broker.Api.WaitUntilFinishedAsync(item.ItemId);
        var folder = _broker.Store.FolderOf(finished);

        await _broker.Api.DeleteAsync(item.ItemId);

        Assert.False(Directory.Exists(folder));
        var gone = await Assert.ThrowsAsync<BrokerRejectedException>(() => _broker.Api.GetItemAsync(item.ItemId));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        var again = await Assert.ThrowsAsync<BrokerRejectedException>(() => _broker.Api.DeleteAsync(item.ItemId));
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
    }

    [Fact]
    public async Task The_server_describes_its_types_queues_and_space()
    {
        var item = await UploadImageAsync(41);
        await _broker.Api.WaitUntilFinishedAsync(item.ItemId);

        var server = await _broker.Api.GetServerAsync();

        Assert.Equal(["audio", "image", "video"], server.ListOfSupportedMediaTypes);
        Assert.Equal(["mkv_x264", "mkv_x265", "opus", "webp"], server.ConversionTypes.Keys.Order());
        Assert.Equal("webp", server.ConversionTypes["webp"].OutputExtension);
        Assert.Equal("mkv_x265", server.DefaultConversionTypes["video"]);
        Assert.Equal(1, server.Queue.FinishedSuccessful);
        Assert.Equal(0, server.Queue.Pending);
        Assert.True(server.FreeBytes > 0);
        Assert.Equal(item.Output?.FileSize ?? (await _broker.Api.GetItemAsync(item.ItemId)).Output!.FileSize, server.UsedBytes);
        Assert.Matches(@"^\d+\.\d+\.\d+$", server.Version);
    }

    [Fact]
    public async Task Stats_count_what_was_converted_and_saved_per_type_and_a_client_token_sees_its_own_share()
    {
        var picture = await UploadImageAsync(51, clientId: "attic");
        var done = await _broker.Api.WaitUntilFinishedAsync(picture.ItemId);
        var broken = await TestMedia.BrokenVideoAsync(_folder.Combine("broken.mkv"), seed: 52);
        var response = await _broker.PostMultipartAsync(broken, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264", ["client_id"] = "cellar" });
        var failed = await _broker.Api.WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);

        var stats = await _broker.Http.GetFromJsonAsync("api/stats", WireJsonContext.Default.BrokerStats);

        Assert.Equal(new ConversionFigures(1, 1, done.FileSize, done.Output!.FileSize), stats!.Converted);
        Assert.Equal(new ConversionFigures(1, 0, done.FileSize, done.Output.FileSize), stats.ByConversionType["webp"]);
        Assert.Equal(new ConversionFigures(0, 1, 0, 0), stats.ByConversionType["mkv_x264"]);
        Assert.Equal(done.FileSize - done.Output.FileSize, stats.Converted.SavedBytes);
        Assert.Equal(2, stats.Storage.NumberOfFiles);
        Assert.Equal(1, stats.Queue.FinishedWithErrors);
        Assert.Equal(["attic", "cellar"], stats.Clients);
        Assert.Empty(stats.Running!);

        var token = await _broker.AddTokenAsync("attic", "client");
        using var attic = _broker.ClientWith(token);
        var seenByAttic = await attic.GetFromJsonAsync("api/stats", WireJsonContext.Default.BrokerStats);
        Assert.Equal(["attic"], seenByAttic!.Clients);
    }

    [Fact]
    public async Task Each_item_says_where_its_time_went_phase_by_phase_up_to_its_first_download()
    {
        var oneShot = await _broker.Api.WaitUntilFinishedAsync((await UploadImageAsync(61)).ItemId);
        var picture = File.ReadAllBytes(await TestMedia.ImageAsync(_folder.Combine("tus.png"), seed: 62));
        var tus = new RawTus(_broker.Http);
        var upload = await tus.CreateLocationAsync(picture.Length, RawTus.Metadata(("filename", "tus.png")));
        var resumable = await _broker.Api.WaitUntilFinishedAsync(Guid.Parse(RawTus.ItemIdOf(await tus.PatchAsync(upload, 0, picture))!));

        foreach (var item in (Item[])[oneShot, resumable])
        {
            var timings = item.Timings!;
            Assert.All((double?[])[timings.ReceivingSeconds, timings.ProbingSeconds, timings.WaitingSeconds, timings.ConvertingSeconds, timings.VerifyingSeconds],
                seconds => Assert.True(seconds is >= 0, $"{item.OriginalFileName}: a phase has no time: {timings}"));
            Assert.Null(timings.WaitingToBeFetchedSeconds);
        }
        Assert.Null(oneShot.Timings!.HashingSeconds); // hashed as it arrived
        Assert.True(resumable.Timings!.HashingSeconds >= 0, "a tus upload's whole-file hash is a step of its own");

        using (var download = await _broker.Http.GetAsync($"api/items/{oneShot.ItemId}/output")) Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var fetched = await Eventually.GetAsync(async () => await _broker.Api.GetItemAsync(oneShot.ItemId) is { Timings.WaitingToBeFetchedSeconds: not null } item ? item : null,
            "the first download to be recorded");
        Assert.True(fetched.Timings!.WaitingToBeFetchedSeconds >= 0);
        Assert.Equal(oneShot.Timings.ConvertingSeconds, fetched.Timings.ConvertingSeconds); // the other phases stay as they were
    }

    [Fact]
    public async Task Unknown_routes_answer_with_problem_json()
    {
        using var response = await _broker.Http.GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
