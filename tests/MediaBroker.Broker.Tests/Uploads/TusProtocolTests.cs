using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using MediaBroker.Broker.Uploads.Tus;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>tus 1.0 at /api/uploads/ against a real broker: core, creation, termination, expiration, checksum.</summary>
public sealed class TusProtocolTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("tus");
    private readonly BrokerFleet _brokers;
    private RunningBroker _broker = null!;
    private RawTus _tus = null!;

    public TusProtocolTests() => _brokers = new BrokerFleet(_folder);

    public async Task InitializeAsync()
    {
        _broker = await StartAsync();
        _tus = new RawTus(_broker.Http);
    }

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    private Task<RunningBroker> StartAsync(Func<MediaBroker.Broker.Configuration.BrokerSettings, MediaBroker.Broker.Configuration.BrokerSettings>? configure = null) =>
        _brokers.StartAsync(configure);

    private async Task<(byte[] Bytes, string Metadata)> VideoAsync(int seed, string? sha512 = null)
    {
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(_folder.Combine($"v{seed}.mkv"), seconds: 1, size: "160x120", seed: seed));
        return (bytes, RawTus.Metadata(("filename", $"film {seed}.mkv"), ("conversion_type", "mkv_x264"), ("sha512", sha512 ?? Sha512Hex.Of(bytes))));
    }

    private static string Checksum(HashAlgorithm algorithm, string name, byte[] bytes) => $"{name} {Convert.ToBase64String(algorithm.ComputeHash(bytes))}";

    [Fact]
    public async Task Options_lists_the_version_extensions_maximum_size_and_checksum_algorithms()
    {
        using var response = await _broker.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "api/uploads/"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Version").Single());
        Assert.Equal("creation,creation-with-upload,termination,expiration,checksum", response.Headers.GetValues("Tus-Extension").Single());
        Assert.Equal(_broker.Settings.MaxUploadBytes.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Tus-Max-Size").Single());
        Assert.Equal("sha1,sha256,sha512", response.Headers.GetValues("Tus-Checksum-Algorithm").Single());
    }

    [Fact]
    public async Task An_upload_in_chunks_becomes_an_item_named_in_the_last_answer_and_in_head()
    {
        var (bytes, metadata) = await VideoAsync(1);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        Assert.Matches("^/api/uploads/[0-9a-f]{32}$", location);

        long offset = 0;
        HttpResponseMessage last = null!;
        foreach (var chunk in bytes.Chunk(bytes.Length / 3 + 1))
        {
            last = await _tus.PatchAsync(location, offset, chunk);
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            offset += chunk.Length;
            Assert.Equal(offset, long.Parse(last.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture));
            Assert.True(last.Headers.Contains("Upload-Expires"));
        }

        var itemId = Guid.Parse(RawTus.ItemIdOf(last)!);
        using var head = await _tus.HeadAsync(location);
        Assert.Equal(itemId.ToString(), RawTus.ItemIdOf(head));
        Assert.Equal("no-store", head.Headers.CacheControl?.ToString());
        Assert.Equal(metadata, head.Headers.GetValues("Upload-Metadata").Single());
        var item = await _broker.Api.GetItemAsync(itemId);
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum);
        Assert.Equal("film 1.mkv", item.OriginalFileName);
        Assert.Equal(ItemStatus.FinishedSuccessful, (await _broker.Api.WaitUntilFinishedAsync(itemId)).Status);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_broker.Store.Data.Incoming)); // nothing of the upload is left behind
    }

    [Fact]
    public async Task Creation_with_upload_accepts_the_first_bytes_with_the_post()
    {
        var (bytes, metadata) = await VideoAsync(2);
        using var created = await _tus.CreateAsync(bytes.Length, metadata, bytes[..1000]);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("1000", created.Headers.GetValues("Upload-Offset").Single());
        var location = created.Headers.Location!.OriginalString;
        using var rest = await _tus.PatchAsync(location, 1000, bytes[1000..]);
        Assert.NotNull(RawTus.ItemIdOf(rest));
    }

    /// <summary>No upload is left: no record in memory, nothing in incoming/.</summary>
    private void AssertNoUploadKept()
    {
        Assert.Empty(_broker.Services.GetRequiredService<TusUploadStore>().All);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_broker.Store.Data.Incoming));
    }

    [Fact]
    public async Task A_refused_creation_with_upload_removes_the_upload_it_created()
    {
        var (bytes, metadata) = await VideoAsync(12);

        // More bytes than Upload-Length announces: 413.
        using var tooMany = await _tus.CreateAsync(1000, metadata, bytes[..2000]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Null(tooMany.Headers.Location); // no address of an upload that is gone
        AssertNoUploadKept();

        // Bytes that do not match their Upload-Checksum: 460.
        using var damaged = RawTus.Request(HttpMethod.Post, "api/uploads/");
        damaged.Headers.Add("Upload-Length", bytes.Length.ToString(CultureInfo.InvariantCulture));
        damaged.Headers.Add("Upload-Metadata", metadata);
        damaged.Headers.Add("Upload-Checksum", Checksum(SHA256.Create(), "sha256", bytes[..999]));
        damaged.Content = RawTus.Body(bytes[..1000]);
        using var refused = await _broker.Http.SendAsync(damaged);
        Assert.Equal(460, (int)refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        AssertNoUploadKept();

        // The whole file in the creation, not matching its sha512: 422.
        using var whole = await _tus.CreateAsync(bytes.Length, RawTus.Metadata(("filename", "a.mkv"), ("sha512", Sha512Hex.Of("other"u8))), bytes);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, whole.StatusCode);
        AssertNoUploadKept();
        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task A_creation_with_upload_broken_off_mid_body_keeps_what_arrived()
    {
        var broker = await StartAsync(settings => settings with { StalledRequestTimeoutSeconds = 2 });
        var (bytes, metadata) = await VideoAsync(13);

        // Half a body, then silence on an open connection: the broker gives up on it, which is no refusal of the upload.
        var head = $"POST /api/uploads/ HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Length: {bytes.Length}\r\nUpload-Metadata: {metadata}\r\n"
            + $"Content-Type: {RawTus.ContentType}\r\nContent-Length: {bytes.Length}\r\n\r\n";
        var stalled = await RawHttp.SendAsync(broker.Url, head, bytes[..3000]);

        Assert.Equal(408, stalled.Status);
        var location = stalled.Header("Location");
        Assert.NotNull(location); // the client learns where to resume
        var tus = new RawTus(broker.Http);
        Assert.Equal(3000, await tus.OffsetAsync(location));
        using var rest = await tus.PatchAsync(location, 3000, bytes[3000..]);
        Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        Assert.NotNull(RawTus.ItemIdOf(rest));
    }

    [Fact]
    public async Task A_patch_at_the_wrong_offset_is_a_409_that_says_where_the_upload_is()
    {
        var (bytes, metadata) = await VideoAsync(3);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        await _tus.PatchAsync(location, 0, bytes[..500]);

        using var wrong = await _tus.PatchAsync(location, 0, bytes[..500]);

        Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
        Assert.Equal("500", wrong.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(500, await _tus.OffsetAsync(location));
    }

    [Fact]
    public async Task Requests_without_the_tus_version_or_with_the_wrong_content_type_are_refused()
    {
        using var noVersion = await _broker.Http.PostAsync("api/uploads/", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.PreconditionFailed, noVersion.StatusCode);
        Assert.Equal("1.0.0", noVersion.Headers.GetValues("Tus-Version").Single());

        var (bytes, metadata) = await VideoAsync(4);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        using var request = RawTus.Request(HttpMethod.Patch, location);
        request.Headers.Add("Upload-Offset", "0");
        request.Content = new ByteArrayContent(bytes);
        using var wrongType = await _broker.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(0, await _tus.OffsetAsync(location));
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha512")]
    public async Task A_chunk_with_a_wrong_checksum_is_cut_off_with_460_and_can_be_sent_again(string algorithm)
    {
        HashAlgorithm hash = algorithm switch { "sha1" => SHA1.Create(), "sha256" => SHA256.Create(), _ => SHA512.Create() };
        var (bytes, metadata) = await VideoAsync(5);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        var first = bytes[..4000];
        await _tus.PatchAsync(location, 0, first, Checksum(hash, algorithm, first));
        var second = bytes[4000..];
        var damaged = (byte[])second.Clone();
        damaged[10] ^= 0xFF;

        using var refused = await _tus.PatchAsync(location, 4000, damaged, Checksum(hash, algorithm, second));

        Assert.Equal(460, (int)refused.StatusCode);
        Assert.Equal(4000, await _tus.OffsetAsync(location));
        using var accepted = await _tus.PatchAsync(location, 4000, second, Checksum(hash, algorithm, second));
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        var item = await _broker.Api.GetItemAsync(Guid.Parse(RawTus.ItemIdOf(accepted)!));
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum);
    }

    [Fact]
    public async Task A_whole_file_that_does_not_match_its_sha512_is_refused_with_422_and_nothing_is_kept()
    {
        var (bytes, metadata) = await VideoAsync(6, sha512: Sha512Hex.Of("something else"u8));
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        await _tus.PatchAsync(location, 0, bytes[..2000]);

        using var last = await _tus.PatchAsync(location, 2000, bytes[2000..]);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, last.StatusCode);
        Assert.Contains("does not match", await last.ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _tus.HeadAsync(location)).StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_broker.Store.Data.Incoming));
        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task Termination_removes_the_upload_and_its_bytes()
    {
        var (bytes, metadata) = await VideoAsync(7);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        await _tus.PatchAsync(location, 0, bytes[..1000]);

        using var deleted = await _tus.DeleteAsync(location);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tus.HeadAsync(location)).StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_broker.Store.Data.Incoming));
    }

    [Fact]
    public async Task Unfinished_uploads_expire_and_the_sweep_removes_their_files()
    {
        // Short enough to watch expire, long enough that a slow machine still gets its PATCH in before.
        var expiry = TimeSpan.FromSeconds(6);
        var broker = await StartAsync(settings => settings with { UploadExpiryHours = expiry.TotalHours });
        var tus = new RawTus(broker.Http);
        var (bytes, metadata) = await VideoAsync(8);
        var location = await tus.CreateLocationAsync(bytes.Length, metadata);
        var before = DateTimeOffset.UtcNow;
        using var patched = await tus.PatchAsync(location, 0, bytes[..1000]);
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        var expires = DateTimeOffset.Parse(patched.Headers.GetValues("Upload-Expires").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(expires, before + expiry - TimeSpan.FromSeconds(1), after + expiry + TimeSpan.FromSeconds(1)); // pushed back by the PATCH; the header has whole seconds

        await Eventually.TrueAsync(async () => (await tus.HeadAsync(location)).StatusCode == HttpStatusCode.NotFound, "the upload to expire");

        // The upload is forgotten first (a HEAD never finds half of it), its files go right after.
        await Eventually.TrueAsync(() => !Directory.EnumerateFileSystemEntries(broker.Store.Data.Incoming).Any(), "the sweep to remove the upload's files");
    }

    [Fact]
    public async Task Bad_creations_are_refused_before_any_byte_is_stored()
    {
        var small = await StartAsync(settings => settings with { MaxUploadBytes = 1000 });
        var tus = new RawTus(small.Http);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await tus.CreateAsync(5000, RawTus.Metadata(("filename", "a.mkv")))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tus.CreateAsync(10, RawTus.Metadata(("filename", "a.mkv"), ("conversion_type", "divx")))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tus.CreateAsync(10, "filename !!notbase64!!")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await tus.CreateAsync(10, RawTus.Metadata(("sha512", "abc")))).StatusCode);
        using var noLength = RawTus.Request(HttpMethod.Post, "api/uploads/");
        Assert.Equal(HttpStatusCode.BadRequest, (await small.Http.SendAsync(noLength)).StatusCode);
        var full = await StartAsync(settings => settings with { MinFreeBytes = long.MaxValue / 2 });
        Assert.Equal(HttpStatusCode.InsufficientStorage, (await new RawTus(full.Http).CreateAsync(10, "")).StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(small.Store.Data.Incoming));
        Assert.Empty(Directory.EnumerateFileSystemEntries(full.Store.Data.Incoming));
    }

    [Fact]
    public async Task Two_uploads_of_the_same_content_end_in_the_same_item()
    {
        var (bytes, metadata) = await VideoAsync(9);
        var first = await _tus.CreateLocationAsync(bytes.Length, metadata);
        var second = await _tus.CreateLocationAsync(bytes.Length, metadata);
        var a = RawTus.ItemIdOf(await _tus.PatchAsync(first, 0, bytes));
        var b = RawTus.ItemIdOf(await _tus.PatchAsync(second, 0, bytes));
        Assert.NotNull(a);
        Assert.Equal(a, b);
        Assert.Single(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task A_post_with_a_method_override_is_taken_as_that_method()
    {
        var (bytes, metadata) = await VideoAsync(10);
        var location = await _tus.CreateLocationAsync(bytes.Length, metadata);
        using var request = RawTus.Request(HttpMethod.Post, location);
        request.Headers.Add("X-HTTP-Method-Override", "PATCH");
        request.Headers.Add("Upload-Offset", "0");
        request.Content = RawTus.Body(bytes);
        using var response = await _broker.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.NotNull(RawTus.ItemIdOf(response));
    }

    [Fact]
    public async Task A_client_finds_its_unfinished_upload_of_a_file_again_by_its_sha512()
    {
        var (bytes, _) = await VideoAsync(11);
        var sha = Sha512Hex.Of(bytes);
        var mine = RawTus.Metadata(("filename", "a.mkv"), ("conversion_type", "mkv_x264"), ("sha512", sha), ("client_id", "laptop"));
        var location = await _tus.CreateLocationAsync(bytes.Length, mine);
        await _tus.PatchAsync(location, 0, bytes[..3000]);
        await _tus.CreateLocationAsync(bytes.Length, RawTus.Metadata(("filename", "a.mkv"), ("sha512", sha), ("client_id", "desktop")));

        using var found = await _broker.Http.GetAsync($"api/uploads/?sha512={sha}&client_id=laptop");
        using var json = System.Text.Json.JsonDocument.Parse(await found.Content.ReadAsStringAsync());

        var upload = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(location, upload.GetProperty("location").GetString());
        Assert.Equal(3000, upload.GetProperty("offset").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await _broker.Http.GetAsync("api/uploads/?sha512=nope")).StatusCode);
    }
}
