using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Health;

/// <summary><c>/healthz</c> and <c>/readyz</c> on a real broker: open without a token, and 503 with the reason when it cannot take work.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a stand-in ffmpeg is a shell script
public sealed class HealthApiTests : IDisposable
{
    private readonly TempFolder _folder = new("health");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_healthy_broker_is_alive_and_ready_without_a_token_even_where_tokens_are_required()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        await broker.AddTokenAsync("someone");
        using var anonymous = broker.ClientWith(null);

        using var alive = await anonymous.GetAsync("healthz");
        using var ready = await anonymous.GetAsync("readyz");
        using var items = await anonymous.GetAsync("api/items");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"ready\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, items.StatusCode); // the probes are open, nothing else is
    }

    [Fact]
    public async Task Readyz_is_503_naming_ffmpeg_when_ffmpeg_can_no_longer_be_run()
    {
        // A stand-in that runs the real ffmpeg, removed once the broker runs: as if ffmpeg were uninstalled under it.
        var ffmpeg = _folder.WriteScript("bin/ffmpeg", "#!/bin/sh\nexec ffmpeg \"$@\"\n");
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { FfmpegPath = ffmpeg });
        Assert.Equal(HttpStatusCode.OK, (await broker.Http.GetAsync("readyz")).StatusCode);

        File.Delete(ffmpeg);

        var detail = await Eventually.GetAsync(async () =>
        {
            using var response = await broker.Http.GetAsync("readyz");
            return response.StatusCode == HttpStatusCode.ServiceUnavailable ? await response.ReadProblemDetailAsync() : null;
        }, "readyz to notice that ffmpeg is gone");
        Assert.Contains($"ffmpeg_path: cannot run '{ffmpeg}'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ffprobe", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_is_503_naming_the_data_folder_while_it_is_gone_and_ready_again_once_it_is_back()
    {
        var data = _folder.Combine("data");
        await using var broker = await RunningBroker.StartAsync(data);
        var away = _folder.Combine("unplugged");

        Directory.Move(data, away);
        using (var gone = await broker.Http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
            Assert.Contains("the data folder is damaged", await gone.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }

        Directory.Move(away, data);
        using var back = await broker.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Readyz_is_503_when_the_disk_has_less_free_than_min_free_bytes()
    {
        var free = new DriveInfo(_folder.Path).AvailableFreeSpace;
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { MinFreeBytes = free + (1L << 40) });

        using var response = await broker.Http.GetAsync("readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("under min_free_bytes", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }
}
