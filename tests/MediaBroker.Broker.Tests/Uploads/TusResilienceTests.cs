using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MediaBroker.Broker.Uploads.Tus;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>What flaky links and restarts do to transfers: resumes, locks, broken connections.</summary>
public sealed class TusResilienceTests : IDisposable
{
    private readonly TempFolder _folder = new("tus-resilience");

    public void Dispose() => _folder.Dispose();

    private async Task<(byte[] Bytes, string Metadata)> VideoAsync(int seed)
    {
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(_folder.Combine($"v{seed}.mkv"), seconds: 3, size: "640x360", seed: 100 + seed));
        return (bytes, RawTus.Metadata(("filename", $"film {seed}.mkv"), ("conversion_type", "mkv_x264"), ("sha512", Sha512Hex.Of(bytes))));
    }

    [Fact]
    public async Task An_upload_resumes_after_the_broker_restarted()
    {
        var data = _folder.Combine("data");
        var (bytes, metadata) = await VideoAsync(1);
        string location;
        await using (var broker = await RunningBroker.StartAsync(data))
        {
            var tus = new RawTus(broker.Http);
            location = await tus.CreateLocationAsync(bytes.Length, metadata);
            await tus.PatchAsync(location, 0, bytes[..(bytes.Length / 2)]);
        }

        await using var restarted = await RunningBroker.StartAsync(data);
        var resumed = new RawTus(restarted.Http);
        var offset = await resumed.OffsetAsync(location);
        Assert.Equal(bytes.Length / 2, offset);
        using var last = await resumed.PatchAsync(location, offset, bytes[(int)offset..]);

        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        var item = await restarted.Api.GetItemAsync(Guid.Parse(RawTus.ItemIdOf(last)!));
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum); // hashed again from disk: the running hash died with the first broker
    }

    [Fact]
    public async Task An_upload_whose_last_byte_arrived_just_before_a_stop_becomes_an_item_at_the_next_start()
    {
        var data = Disk.DataFolder(_folder.Combine("data"));
        data.EnsureCreated();
        var (bytes, _) = await VideoAsync(2);
        // As a stop would leave it: every byte on disk, no item yet.
        var uploadId = Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(data.Incoming, $"tus-{uploadId}"));
        await File.WriteAllBytesAsync(Path.Combine(data.Incoming, $"tus-{uploadId}", "input"), bytes);
        var record = new TusUploadRecord
        {
            UploadId = uploadId, Length = bytes.Length, Metadata = "", FileName = "late.mkv", ConversionType = "mkv_x264",
            Sha512 = Sha512Hex.Of(bytes), ClientId = "local", CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        };
        await File.WriteAllTextAsync(Path.Combine(data.Incoming, $"tus-{uploadId}.json"), JsonSerializer.Serialize(record, WireJson.Options));

        await using var broker = await RunningBroker.StartAsync(data.Root);

        var tus = new RawTus(broker.Http);
        var itemId = await Eventually.GetAsync(async () => RawTus.ItemIdOf(await tus.HeadAsync($"/api/uploads/{uploadId}")), "the upload to become an item");
        var item = await broker.Api.GetItemAsync(Guid.Parse(itemId));
        Assert.Equal("late.mkv", item.OriginalFileName);
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum);
    }

    [Fact]
    public async Task An_upload_resumed_after_a_stop_is_matched_to_the_item_of_its_own_conversion_type()
    {
        var data = _folder.Combine("data");
        var (bytes, _) = await VideoAsync(2);
        var clip = _folder.WriteFile("same.mkv", bytes);
        Guid x265;
        await using (var first = await RunningBroker.StartAsync(data))
        {
            await (await first.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" })).ReadItemAsync();
            x265 = (await (await first.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x265" })).ReadItemAsync()).ItemId;
        }
        // As a stop right after a tus upload became the mkv_x265 item, before its receipt: the record, no folder.
        var uploadId = Guid.NewGuid().ToString("N");
        var record = new TusUploadRecord
        {
            UploadId = uploadId, Length = bytes.Length, Metadata = "", FileName = "same.mkv", ConversionType = "mkv_x265",
            Sha512 = Sha512Hex.Of(bytes), ClientId = "local", CreatedAt = DateTimeOffset.UtcNow.AddHours(-1), ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        };
        await File.WriteAllTextAsync(Path.Combine(data, "incoming", $"tus-{uploadId}.json"), JsonSerializer.Serialize(record, WireJson.Options));

        await using var restarted = await RunningBroker.StartAsync(data);

        var tus = new RawTus(restarted.Http);
        var itemId = await Eventually.GetAsync(async () => RawTus.ItemIdOf(await tus.HeadAsync($"/api/uploads/{uploadId}")), "the upload to name its item");
        Assert.Equal(x265, Guid.Parse(itemId));
    }

    [Fact]
    public async Task A_second_patch_while_the_first_runs_gets_423_and_never_corrupts_the_file()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var tus = new RawTus(broker.Http);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(_folder.Combine("big.mkv"), seconds: 10, size: "1280x720", seed: 33));
        var metadata = RawTus.Metadata(("filename", "big.mkv"), ("conversion_type", "mkv_x264"), ("sha512", Sha512Hex.Of(bytes)));
        var location = await tus.CreateLocationAsync(bytes.Length, metadata);
        // Far more than HttpClient buffers before it sends, so the broker really is in the middle of this PATCH.
        var firstPart = bytes.Length / 2;
        Assert.True(firstPart > 128 * 1024, $"the clip is only {bytes.Length} bytes");
        var slowBody = new GatedStream(bytes[..firstPart]);
        using var slowRequest = RawTus.Request(HttpMethod.Patch, location);
        slowRequest.Headers.Add("Upload-Offset", "0");
        slowRequest.Content = new StreamContent(slowBody);
        slowRequest.Content.Headers.ContentType = new MediaTypeHeaderValue(RawTus.ContentType);
        var slow = broker.Http.SendAsync(slowRequest);
        await slowBody.FirstBytesSent;
        var uploadId = location.Split('/')[^1];
        await Eventually.TrueAsync(() => broker.Services.GetRequiredService<TusUploadStore>().IsBusy(uploadId), "the first PATCH to hold the upload");

        using var second = await tus.PatchAsync(location, 0, bytes);
        Assert.Equal(HttpStatusCode.Locked, second.StatusCode);
        using var terminate = await tus.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.Locked, terminate.StatusCode);

        slowBody.Open();
        Assert.Equal(HttpStatusCode.NoContent, (await slow).StatusCode);
        using var rest = await tus.PatchAsync(location, firstPart, bytes[firstPart..]);
        var item = await broker.Api.GetItemAsync(Guid.Parse(RawTus.ItemIdOf(rest)!));
        Assert.Equal(Sha512Hex.Of(bytes), item.Sha512Checksum);
    }

    [Fact]
    public async Task A_dropped_connection_releases_its_upload_and_keeps_the_bytes_that_arrived()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { StalledRequestTimeoutSeconds = 6 }); // room for the 423 check below on a slow machine
        var tus = new RawTus(broker.Http);
        var (bytes, metadata) = await VideoAsync(4);
        var location = await tus.CreateLocationAsync(bytes.Length, metadata);

        // A client that sends half its body, then goes silent without closing (a cable pulled, a laptop shut).
        using var silent = new TcpClient();
        await silent.ConnectAsync(broker.Url.Host, broker.Url.Port);
        var stream = silent.GetStream();
        var head = $"PATCH {location} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
            + $"Content-Type: {RawTus.ContentType}\r\nContent-Length: {bytes.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await stream.FlushAsync();
        var uploads = broker.Services.GetRequiredService<TusUploadStore>();
        var uploadId = location.Split('/')[^1];
        await Eventually.TrueAsync(() => uploads.IsBusy(uploadId), "the silent PATCH to hold the upload");
        Assert.Equal(HttpStatusCode.Locked, (await tus.PatchAsync(location, 0, [])).StatusCode);

        await Eventually.TrueAsync(() => !uploads.IsBusy(uploadId), "the broker to cut the silent connection", TimeSpan.FromSeconds(30));
        var offset = await tus.OffsetAsync(location);

        var resumeAt = offset;
        Assert.Equal(bytes.Length / 2, resumeAt); // every byte that arrived was kept
        using var last = await tus.PatchAsync(location, resumeAt, bytes[(int)resumeAt..]);
        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        Assert.Equal(Sha512Hex.Of(bytes), (await broker.Api.GetItemAsync(Guid.Parse(RawTus.ItemIdOf(last)!))).Sha512Checksum);
    }

    [Fact]
    public async Task A_download_cut_mid_way_resumes_with_range_and_if_range_and_verifies()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var clip = await TestMedia.VideoAsync(_folder.Combine("long.mkv"), seconds: 6, size: "640x360", seed: 7);
        var created = await broker.PostMultipartAsync(clip, fields: new Dictionary<string, string> { ["conversion_type"] = "mkv_x264" });
        var item = await broker.Api.WaitUntilFinishedAsync((await created.ReadItemAsync()).ItemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
        var size = item.Output!.FileSize;
        await using var proxy = new CuttingProxy(broker.Url, cutAfterBytes: size / 2, cuts: 1, cutUploads: false);
        using var http = new HttpClient { BaseAddress = proxy.Url };
        var received = new MemoryStream();

        try
        {
            await using var cut = await http.GetStreamAsync($"api/items/{item.ItemId}/output");
            await cut.CopyToAsync(received);
        }
        catch (Exception error) when (error is HttpRequestException or IOException) { }
        Assert.Equal(1, proxy.CutsMade);
        Assert.InRange(received.Length, 1, size - 1);

        using var resume = new HttpRequestMessage(HttpMethod.Get, $"api/items/{item.ItemId}/output");
        resume.Headers.Range = new RangeHeaderValue(received.Length, null);
        resume.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{item.Output.Sha512Checksum}\""));
        using var rest = await http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        await (await rest.Content.ReadAsStreamAsync()).CopyToAsync(received);

        Assert.Equal(size, received.Length);
        var digest = rest.Headers.GetValues("Repr-Digest").Single();
        Assert.Equal($"sha-512=:{Sha512Hex.ToBase64(Sha512Hex.Of(received.ToArray()))}:", digest);
    }

    /// <summary>A request body that sends its first bytes, then waits until the test lets it finish.</summary>
    private sealed class GatedStream(byte[] content) : Stream
    {
        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task FirstBytesSent => _firstSent.Task;
        public void Open() => _open.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == 0)
            {
                var first = Math.Min(content.Length / 2, buffer.Length);
                content.AsMemory(0, first).CopyTo(buffer);
                _position = first;
                _firstSent.TrySetResult();
                return first;
            }
            await _open.Task.WaitAsync(cancellationToken);
            var count = Math.Min(buffer.Length, content.Length - _position);
            content.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => content.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
