using MediaBroker.Client.Configuration;
using MediaBroker.Shared.Configuration;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.Configuration;

public sealed class ClientSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new("client-settings");

    public void Dispose() => _folder.Dispose();

    private ConfigurationException LoadFails(string json) =>
        Assert.Throws<ConfigurationException>(() => ClientSettingsLoader.Load(_folder.WriteFile($"{Guid.NewGuid():N}.json", System.Text.Encoding.UTF8.GetBytes(json))));

    [Theory]
    [InlineData("""{ "list_of_servers": [] }""", "list_of_servers: must list at least one broker")]
    [InlineData("""{ "list_of_servers": [ { "id": "a", "url": "ftp://x" } ] }""", "list_of_servers[0].url: 'ftp://x' is not an http:// or https:// address")]
    [InlineData("""{ "list_of_servers": [ { "id": "a", "url": "http://x" }, { "id": "a", "url": "http://y" } ] }""", "list_of_servers[1].id: 'a' is used twice")]
    [InlineData("""{ "list_of_servers": [ { "id": "", "url": "http://x" } ] }""", "list_of_servers[0].id: must name the broker")]
    [InlineData("""{ "list_of_servers": [ { "id": "a", "url": "http://x", "list_of_supported_media_types": ["movies"] } ] }""", "list_of_servers[0].list_of_supported_media_types: 'movies' is not a media type")]
    [InlineData("""{ "list_of_paths_to_observe": [ { "path": "d", "observed_media_types": ["pdf"] } ] }""", "list_of_paths_to_observe[0].observed_media_types: 'pdf' is not a media type")]
    [InlineData("""{ "list_of_paths_to_observe": [ { "path": "d", "conversion_types": { "movie": "mkv_x265" } } ] }""", "list_of_paths_to_observe[0].conversion_types: 'movie' is not a media type")]
    [InlineData("""{ "list_of_paths_to_observe": [ { "path": "d", "when_output_exists": "overwrite" } ] }""", "list_of_paths_to_observe[0].when_output_exists: 'overwrite' is not skip or number")]
    [InlineData("""{ "list_of_paths_to_observe": [ { "path": "d", "after_success": "move" } ] }""", "list_of_paths_to_observe[0].move_source_to: after_success is move")]
    [InlineData("""{ "poll_interval_seconds": 0 }""", "poll_interval_seconds: must be a positive number")]
    [InlineData("""{ "chunk_size_mib": 0 }""", "chunk_size_mib: must be between 1 and 1024")]
    [InlineData("""{ "client_id": "a b" }""", "client_id: may hold letters")]
    public void Each_mistake_in_client_json_is_one_clear_line(string json, string expected)
    {
        var error = LoadFails(json);
        Assert.Contains(error.Problems, problem => problem.Contains(expected, StringComparison.Ordinal));
        Assert.All(error.Problems, problem => Assert.DoesNotContain('\n', problem));
    }

    [Theory]
    [InlineData("""{ "list_of_paths_to_observer": [] }""", "unknown key 'list_of_paths_to_observer'")]
    [InlineData("""{ "list_of_servers": [ { "id": "a", "url": "http://x", "port": 5000 } ] }""", "unknown key 'list_of_servers[0].port'")]
    [InlineData("""{ "poll_interval_seconds": "often" }""", "poll_interval_seconds: must be a number")]
    [InlineData("""{ "list_of_paths_to_observe": { "path": "d" } }""", "list_of_paths_to_observe: must be a list")]
    [InlineData("""{ "state_path": null }""", "state_path: may not be null")]
    [InlineData("""[1, 2]""", "the file must hold one JSON object")]
    [InlineData("""{ "state_path": "x" """, "not valid JSON")]
    public void A_malformed_client_json_is_one_clear_line_with_its_line_number(string json, string expected)
    {
        var problem = Assert.Single(LoadFails(json).Problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_mistakes_are_listed_together()
    {
        var error = LoadFails("""{ "poll_interval_seconds": -1, "chunk_size_mib": 0, "list_of_servers": [] }""");
        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void Relative_paths_are_taken_beside_the_file_and_defaults_fill_the_rest()
    {
        var path = _folder.WriteFile("client.json", """{ "list_of_paths_to_observe": [ { "path": "drop", "output_path": "library" } ], "state_path": "state" }"""u8.ToArray());
        var settings = ClientSettingsLoader.Load(path);
        var observed = Assert.Single(settings.ListOfPathsToObserve);
        Assert.Equal(_folder.Combine("drop"), observed.Path);
        Assert.Equal(_folder.Combine("library"), observed.OutputPath);
        Assert.Equal(_folder.Combine("state"), settings.StatePath);
        Assert.Equal(["audio", "image", "video"], observed.ObservedMediaTypes);
        Assert.Equal("http://127.0.0.1:5000", Assert.Single(settings.ListOfServers).Url);
        Assert.Equal(OutputCollision.Skip, observed.WhenOutputExists);
    }

    [Fact]
    public void The_example_file_in_the_repository_is_valid()
    {
        var settings = ClientSettingsLoader.Load(Path.Combine(Repository.Root, "client.json.example"));
        Assert.Equal("local", Assert.Single(settings.ListOfServers).Id);
    }

    [Fact]
    public void The_example_file_shows_the_real_defaults()
    {
        // As written, before relative paths are resolved: what a reader copies.
        var example = JsonConfigFile.Read<ClientSettings>(Path.Combine(Repository.Root, "client.json.example"));

        var watched = Assert.Single(example.ListOfPathsToObserve);
        Assert.Equal(AsJson(new ObservedPath()), AsJson(watched with { Path = "" }));
        Assert.Equal(AsJson(new ClientSettings()), AsJson(example with { ListOfPathsToObserve = [] }));
    }

    private static string AsJson<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, MediaBroker.Shared.Json.WireJson.Indented);
}
