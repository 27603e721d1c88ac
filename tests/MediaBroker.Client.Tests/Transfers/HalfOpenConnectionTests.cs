using MediaBroker.Client.Transfers;
using MediaBroker.Shared.Api;
using MediaBroker.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Client.Tests.Transfers;

/// <summary>
/// A broker that stops answering without closing the connection (a pulled cable, a frozen host): the client's
/// transfer gives up after its deadline, on the client's clock, instead of holding the whole pass for ever.
/// </summary>
public sealed class HalfOpenConnectionTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("half-open");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly TaskCompletionSource _patchArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _bodyRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _broker = null!;
    private HttpClient _http = null!;
    private bool _readsTheBody;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0").ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        _broker = builder.Build();
        // An upload at offset 0 that takes the PATCH and then goes silent: without reading it, or after reading it all.
        _broker.MapMethods("/api/uploads/{id}", ["HEAD"], (HttpContext context) =>
        {
            context.Response.Headers["Upload-Offset"] = "0";
            context.Response.Headers["Tus-Resumable"] = "1.0.0";
        });
        _broker.MapMethods("/api/uploads/{id}", ["PATCH"], async (HttpContext context) =>
        {
            _patchArrived.TrySetResult();
            if (_readsTheBody)
            {
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                _bodyRead.TrySetResult();
            }
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        _broker.MapGet("/api/items/{id}/output", async (HttpContext context) =>
        {
            _patchArrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await _broker.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_broker.Urls.First() + "/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private Task<UploadResult> UploadAsync()
    {
        // Far more than the sockets hold, so that a broker that reads nothing really stops the body.
        var file = _folder.WriteFile("film.mkv", new byte[32 << 20]);
        return new TusUploader(_http, 32 << 20, _clock).UploadAsync(file, "/api/uploads/0123", new Dictionary<string, string>(), null, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_broker_that_stops_taking_the_body_ends_the_upload_once_the_stall_timeout_has_passed()
    {
        var upload = UploadAsync();
        await _patchArrived.Task.WaitAsync(Eventually.DefaultLimit);

        _clock.Advance(TusUploader.StallTimeout - TimeSpan.FromSeconds(1));
        Assert.False(upload.IsCompleted);
        _clock.Advance(TimeSpan.FromMinutes(1)); // the deadline is checked every quarter of it

        var error = await Assert.ThrowsAsync<BrokerUnavailableException>(() => upload.WaitAsync(Eventually.DefaultLimit));
        Assert.Contains("took no byte for 60 seconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_takes_every_byte_and_never_answers_ends_the_upload_once_the_completion_timeout_has_passed()
    {
        _readsTheBody = true;
        var upload = UploadAsync();
        await _bodyRead.Task.WaitAsync(Eventually.DefaultLimit);

        _clock.Advance(TusUploader.CompletionTimeout - TimeSpan.FromSeconds(5));
        Assert.False(upload.IsCompleted);
        _clock.Advance(TimeSpan.FromMinutes(3)); // the deadline is checked every quarter of a minute

        var error = await Assert.ThrowsAsync<BrokerUnavailableException>(() => upload.WaitAsync(Eventually.DefaultLimit));
        Assert.Contains("gave no answer within 600 seconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_whose_answer_never_comes_ends_once_the_stall_timeout_has_passed()
    {
        var item = new MediaBroker.Shared.Items.Item
        {
            ItemId = Guid.NewGuid(), ClientId = "local", CreatedAt = default, UpdatedAt = default, QueuedAt = default, ConversionType = "webp",
            OriginalFileName = "a.png", CurrentFileName = "a.png", Sha512Checksum = new string('a', 128), FileSize = 1,
            Status = MediaBroker.Shared.Items.ItemStatus.FinishedSuccessful, Output = new MediaBroker.Shared.Items.ItemOutput("a.webp", new string('b', 128), 1000),
        };
        var download = new OutputDownloader(_http, Disk.Real, TimeSpan.FromSeconds(60), _clock).DownloadAsync(item, _folder.Combine(".a.webp.partial"), null, CancellationToken.None);
        await _patchArrived.Task.WaitAsync(Eventually.DefaultLimit);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(download.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<BrokerUnavailableException>(() => download.WaitAsync(Eventually.DefaultLimit));
        Assert.Contains("no answer within 60 seconds", error.Message, StringComparison.Ordinal);
    }
}
