using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>Inputs that would make ffmpeg read other files: refused by ffmpeg itself (format whitelist), never followed.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("hostile-input");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task An_hls_playlist_pointing_at_a_local_file_outside_the_data_folder_is_refused_and_nothing_is_read()
    {
        // The playlist points at a named pipe: if anything opened it for reading, a writer could open it too.
        var secret = NamedPipe.Make(_folder.Combine("secret.ts"));
        var playlist = _folder.WriteFile("movie.m3u8", System.Text.Encoding.ASCII.GetBytes(
            $"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{secret}\n#EXTINF:2.0,\nfile://{secret}\n#EXT-X-ENDLIST\n"));
        using var watching = new CancellationTokenSource();
        var openedByBroker = WatchForReaderAsync(secret, watching.Token);

        var response = await _broker.PostMultipartAsync(playlist);

        await watching.CancelAsync();
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("refers to other files", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.False(await openedByBroker, "the broker opened the file the playlist points at");
        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    [Fact]
    public async Task An_hls_playlist_pointing_at_a_real_video_is_refused()
    {
        var video = await TestMedia.VideoAsync(_folder.Combine("real.ts"), extension: "ts");
        var playlist = _folder.WriteFile("real.m3u8", System.Text.Encoding.ASCII.GetBytes(
            $"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{video}\n#EXT-X-ENDLIST\n"));
        var response = await _broker.PostMultipartAsync(playlist, "film.mp4");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task A_concat_list_is_refused()
    {
        var video = await TestMedia.VideoAsync(_folder.Combine("part.mkv"));
        var list = _folder.WriteFile("list.txt", System.Text.Encoding.ASCII.GetBytes($"ffconcat version 1.0\nfile '{video}'\n"));
        var response = await _broker.PostMultipartAsync(list, "list.mkv");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(_broker.Store.List(new MediaBroker.Broker.Storage.ItemQuery()).Items);
    }

    private static async Task<bool> WatchForReaderAsync(string fifo, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (NamedPipe.HasReader(fifo)) return true;
            try { await Task.Delay(2, stop); } catch (OperationCanceledException) { }
        }
        return false;
    }
}
