using MediaBroker.Broker.Fetching;
using MediaBroker.Broker.Fetching.YtDlp;

namespace MediaBroker.Broker.Tests.Fetching;

public sealed class YtDlpOutputTests
{
    [Theory]
    [InlineData("mb-progress 1024 7685 NA NA", 1024L, 7685L, 0.0)]
    [InlineData("mb-progress 3072 7685 NA 2752008.0922682616", 3072L, 7685L, 2752008.0922682616)]
    [InlineData("mb-progress 4096 NA 9000.5 100", 4096L, 9000L, 100.0)]
    [InlineData("mb-progress 4096 NA NA NA", 4096L, null, 0.0)]
    public void A_progress_line_becomes_a_progress_report(string line, long bytes, long? total, double rate) =>
        Assert.Equal(new FetchProgress(bytes, total, rate), YtDlpOutput.Progress(line));

    [Theory]
    [InlineData("[download] Destination: out/media.mp4")]
    [InlineData("mb-progress NA NA NA NA")]
    [InlineData("mb-progress 1 2 3")]
    public void Other_lines_are_not_progress(string line) => Assert.Null(YtDlpOutput.Progress(line));

    [Fact]
    public void The_details_give_the_title_the_uploader_and_the_year()
    {
        var details = YtDlpOutput.ReadDetails("""{"title": "A clip", "channel": "Someone", "upload_date": "20190304", "ext": "webm", "filepath": "/x/media.webm"}""");
        Assert.NotNull(details);
        Assert.Equal("A clip", details.Title);
        Assert.Equal("Someone", details.Author);
        Assert.Equal(2019, details.Year);
        Assert.Equal("/x/media.webm", details.FilePath);
    }

    [Fact]
    public void The_last_error_line_is_the_reason_given()
    {
        string[] lines = ["WARNING: [generic] Falling back on generic information extractor", "ERROR: first", "ERROR: [generic] Unsupported URL: http://127.0.0.1/"];
        Assert.Equal("[generic] Unsupported URL: http://127.0.0.1/", YtDlpOutput.LastError(lines));
    }

    [Fact]
    public void Yt_dlp_is_told_to_use_the_proxy_and_no_configuration_and_the_link_comes_after_the_options()
    {
        var arguments = YtDlpArguments.For(new Uri("http://example.org/-watch?v=1"), "/data/50%/x.yt-dlp", new Uri("http://127.0.0.1:4321"), 1000);
        Assert.Equal("http://127.0.0.1:4321/", arguments[arguments.ToList().IndexOf("--proxy") + 1]);
        Assert.Contains("--ignore-config", arguments);
        Assert.Equal("native", arguments[arguments.ToList().IndexOf("--downloader") + 1]);
        Assert.Equal("1000", arguments[arguments.ToList().IndexOf("--max-filesize") + 1]);
        Assert.Equal("/data/50%%/x.yt-dlp/media.%(ext)s", arguments[arguments.ToList().IndexOf("--output") + 1]);
        Assert.Equal(["--", "http://example.org/-watch?v=1"], arguments.TakeLast(2));
    }
}
