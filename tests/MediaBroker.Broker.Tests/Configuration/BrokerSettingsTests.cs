using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Configuration;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Configuration;

public sealed class BrokerSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new("settings");

    public void Dispose() => _folder.Dispose();

    private ConfigurationException LoadFails(string json)
    {
        var path = _folder.WriteFile($"broker-{Guid.NewGuid():N}.json", System.Text.Encoding.UTF8.GetBytes(json));
        return Assert.Throws<ConfigurationException>(() => BrokerSettingsLoader.Load(path, new BrokerOverrides()));
    }

    [Fact]
    public void Defaults_work_with_no_file_at_all()
    {
        var settings = BrokerSettingsLoader.MergeWithDefaults(new BrokerSettings());
        Assert.Empty(BrokerSettingsValidator.Validate(settings));
        Assert.Equal("127.0.0.1", settings.ListenAddress);
        Assert.Equal(5000, settings.ListenOnPort);
        Assert.Equal(["audio", "image", "video"], settings.ListOfSupportedMediaTypes);
        Assert.Equal("mkv_x265", settings.DefaultConversionTypes["video"]);
    }

    [Theory]
    [InlineData("""{ "listen_on_port": 70000 }""", "listen_on_port: must be between 0 and 65535 (got 70000)")]
    [InlineData("""{ "listen_address": "my-host" }""", "listen_address: 'my-host' is not an IP address")]
    [InlineData("""{ "number_of_conversion_threads": 0 }""", "number_of_conversion_threads: must be between 1 and 256")]
    [InlineData("""{ "list_of_supported_media_types": ["video", "pdf"] }""", "list_of_supported_media_types: 'pdf' is not a media type")]
    [InlineData("""{ "list_of_supported_media_types": [] }""", "list_of_supported_media_types: must list at least one")]
    [InlineData("""{ "max_upload_bytes": 0 }""", "max_upload_bytes: must be a positive number")]
    [InlineData("""{ "min_free_bytes": -1 }""", "min_free_bytes: must be zero or more")]
    [InlineData("""{ "default_conversion_types": { "video": "webp" } }""", "default_conversion_types.video: 'webp' does not accept video")]
    [InlineData("""{ "default_conversion_types": { "video": "nope" } }""", "default_conversion_types.video: 'nope' is not one of conversion_types")]
    [InlineData("""{ "conversion_types": { "Bad Name": { "media_types": ["video"], "output_extension": "mkv", "arguments": ["-i", "{input}", "{output}"] } } }""",
        "conversion_types.Bad Name: a conversion type's name may only hold")]
    [InlineData("""{ "conversion_types": { "x": { "media_types": ["video"], "output_extension": "mkv", "arguments": ["{input}", "{output}"] } } }""",
        "conversion_types.x.arguments: must hold \"-i\", \"{input}\" exactly once")]
    [InlineData("""{ "conversion_types": { "x": { "media_types": ["video"], "output_extension": ".mkv", "arguments": ["-i", "{input}", "{output}"] } } }""",
        "conversion_types.x.output_extension: must be a short extension")]
    [InlineData("""{ "conversion_types": { "x": { "media_types": ["video"], "output_extension": "mkv", "arguments": ["-protocol_whitelist", "http", "-i", "{input}", "{output}"] } } }""",
        "conversion_types.x.arguments: '-protocol_whitelist' is set by the broker itself")]
    [InlineData("""{ "url_allow_list": ["10.0.0.1/8"] }""", "url_allow_list: '10.0.0.1/8' is not an IP address or network")]
    [InlineData("""{ "url_allow_list": ["127.1"] }""", "url_allow_list: '127.1' is not an IP address or network")]
    [InlineData("""{ "url_allow_list": ["localhost"] }""", "url_allow_list: 'localhost' is not an IP address or network")]
    [InlineData("""{ "yt_dlp_path": " " }""", "yt_dlp_path: must name the yt-dlp program")]
    [InlineData("""{ "max_download_bytes": 0 }""", "max_download_bytes: must be a positive number of bytes (got 0)")]
    [InlineData("""{ "download_timeout_minutes": 0 }""", "download_timeout_minutes: must be between 1 and 10080")]
    public void A_bad_value_stops_the_broker_with_one_line_naming_the_key(string json, string expected)
    {
        var error = LoadFails(json);
        Assert.Contains(error.Problems, problem => problem.Contains(expected, StringComparison.Ordinal));
        Assert.All(error.Problems, problem => Assert.DoesNotContain('\n', problem));
    }

    [Theory]
    [InlineData("""{ "listen_port": 5000 }""", "line 1: unknown key 'listen_port'")]
    [InlineData("""{ "listen_on_port": "five" }""", "listen_on_port: must be a number")]
    [InlineData("""{ "keep_inputs": "yes" }""", "keep_inputs: must be true or false")]
    [InlineData("""{ "list_of_supported_media_types": "video" }""", "list_of_supported_media_types: must be a list")]
    [InlineData("""{ "conversion_types": { "x": { "media_types": ["video"], "arguments": ["-i", "{input}", "{output}"] } } }""", "missing output_extension")]
    [InlineData("""{ "listen_on_port": 5000 """, "not valid JSON")]
    public void A_malformed_file_is_reported_with_its_line_and_key(string json, string expected)
    {
        var error = LoadFails(json);
        var problem = Assert.Single(error.Problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.StartsWith(_folder.Path, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_mistakes_are_all_listed_at_once()
    {
        var error = LoadFails("""{ "listen_on_port": -1, "number_of_conversion_threads": 0, "max_upload_bytes": -5 }""");
        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void A_missing_config_file_named_on_the_command_line_is_an_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => BrokerSettingsLoader.Load(_folder.Combine("nope.json"), new BrokerOverrides()));
        Assert.Contains("no such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_overrides_win_and_relative_data_paths_are_resolved_beside_the_file()
    {
        var path = _folder.WriteFile("broker.json", """
            // comments are allowed
            { "listen_on_port": 6000, "data_path": "store", "conversion_types": {
                "mkv_fast": { "media_types": ["video"], "output_extension": "mkv", "arguments": ["-i", "{input}", "-c:v", "libx264", "-preset", "ultrafast", "{output}"] } },
              "keep_inputs": true, }
            """u8.ToArray());
        var fromFile = BrokerSettingsLoader.Load(path, new BrokerOverrides());
        Assert.Equal(6000, fromFile.ListenOnPort);
        Assert.Equal(_folder.Combine("store"), fromFile.DataPath);
        Assert.True(fromFile.KeepInputs);
        Assert.Contains("mkv_fast", fromFile.ConversionTypes.Keys);
        Assert.Contains("mkv_x265", fromFile.ConversionTypes.Keys); // defaults stay

        var overridden = BrokerSettingsLoader.Load(path, new BrokerOverrides(DataPath: "elsewhere", Port: 7000));
        Assert.Equal(7000, overridden.ListenOnPort);
        Assert.Equal(Path.GetFullPath("elsewhere"), overridden.DataPath);
    }

    [Fact]
    public void The_url_allow_list_takes_addresses_and_networks_of_both_families()
    {
        var path = _folder.WriteFile("links.json", """{ "url_allow_list": ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "::ffff:192.168.1.2"] }"""u8.ToArray());
        var settings = BrokerSettingsLoader.Load(path, new BrokerOverrides());
        Assert.Equal(5, settings.UrlAllowList.Count);
        Assert.Equal("yt-dlp", settings.YtDlpPath);
        Assert.Equal(64L << 30, settings.MaxDownloadBytes);
    }

    [Fact]
    public void The_example_file_in_the_repository_is_valid()
    {
        var settings = BrokerSettingsLoader.Load(Path.Combine(Repository.Root, "broker.json.example"), new BrokerOverrides());
        Assert.Empty(BrokerSettingsValidator.Validate(settings));
    }
}
