using System.Net;
using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Storage;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Auth;

/// <summary>What keeps one caller from wearing a broker down: token guessing, request floods, hoarded uploads.</summary>
public sealed class GuardTests : IDisposable
{
    private readonly TempFolder _folder = new("guards");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Wrong_tokens_are_logged_with_the_address_and_after_too_many_the_address_waits_out_the_minute_good_token_or_not()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { FailedTokenAttemptsPerMinute = 5 }, clock);
        var good = await broker.AddTokenAsync("alice");
        using var guesser = broker.ClientWith("mbt_guess");
        using var alice = broker.ClientWith(good);

        for (var attempt = 1; attempt <= 5; attempt++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("api/items")).StatusCode);
        using var locked = await alice.GetAsync("api/items");

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Contains("too many wrong tokens from 127.0.0.1", await locked.ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(locked.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        clock.Advance(FailedAttempts.Window);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("api/items")).StatusCode);
        await broker.StopAsync();
        var log = string.Join('\n', Directory.GetFiles(Path.Combine(broker.Settings.DataPath, "logs")).Select(File.ReadAllText));
        Assert.Contains("Refused GET /api/items from 127.0.0.1: unknown or revoked token (5 wrong in the last minute)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_that_sends_too_fast_gets_429_problems_with_retry_after_and_other_tokens_are_not_slowed()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { RequestsPerSecondPerToken = 2 });
        using var busy = broker.ClientWith(await broker.AddTokenAsync("busy"));
        using var calm = broker.ClientWith(await broker.AddTokenAsync("calm"));

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 20; i++) answers.Add(await busy.GetAsync("api/server"));

        var refused = answers.Where(answer => answer.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.Contains("requests_per_second_per_token", await refused[0].ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.True(refused[0].Headers.Contains("Retry-After"));
        Assert.All(answers, answer => Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, (await calm.GetAsync("api/server")).StatusCode);
    }

    [Fact]
    public async Task A_client_may_not_hoard_unfinished_uploads_and_a_refusal_leaves_nothing_behind()
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"),
            settings => settings with { MaxUnfinishedUploadsPerClient = 3, MaxUnfinishedUploadBytesPerClient = 10_000 });
        var alice = new RawTus(broker.ClientWith(await broker.AddTokenAsync("alice")));
        var bob = new RawTus(broker.ClientWith(await broker.AddTokenAsync("bob")));
        var incoming = new DataFolder(broker.Settings.DataPath, new System.IO.Abstractions.FileSystem()).Incoming;

        for (var i = 0; i < 3; i++) await alice.CreateLocationAsync(1000, RawTus.Metadata(("filename", $"{i}.mkv")));
        var entriesBefore = Directory.GetFileSystemEntries(incoming).Length;
        using var fourth = await alice.CreateAsync(1000, RawTus.Metadata(("filename", "3.mkv")));
        using var tooBig = await bob.CreateAsync(10_001, RawTus.Metadata(("filename", "big.mkv")));
        using var bobsFirst = await bob.CreateAsync(1000, RawTus.Metadata(("filename", "b.mkv")));

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Contains("client 'alice' has 3 unfinished uploads (max_unfinished_uploads_per_client)", await fourth.ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Contains("max_unfinished_upload_bytes_per_client", await tooBig.ReadProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, bobsFirst.StatusCode);
        Assert.Equal(entriesBefore + 2, Directory.GetFileSystemEntries(incoming).Length); // bob's one upload: its folder and its record
    }

    [Theory]
    [InlineData("{ \"version\": 1, \"tokens\": [ { \"name\": \"sneaky\", \"role\": \"client\", \"sha256\": \"HASH\", \"created_at\": \"2026-01-01T00:00:00Z\" } ] }", "needs a client_id")]
    [InlineData("{ \"version\": 1, \"tokens\": [ { \"name\": \"sneaky\", \"role\": \"Admin\", \"sha256\": \"HASH\", \"created_at\": \"2026-01-01T00:00:00Z\" } ] }", "role must be client or admin")]
    [InlineData("{ \"version\": 1, \"tokens\": null }", "'tokens' must be a list")]
    [InlineData("{ \"version\": 1, \"tokens\": [ { \"name\": \"sneaky\"", "cannot be read")]
    public async Task A_tokens_file_that_does_not_say_exactly_who_a_token_is_for_refuses_every_request_and_the_log_says_why(string json, string problem)
    {
        await using var broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        var secret = MediaBroker.Broker.Auth.TokenSecrets.New();
        await File.WriteAllTextAsync(Path.Combine(broker.Settings.DataPath, TokenFile.FileName), json.Replace("HASH", TokenSecrets.HashHex(secret)));
        using var anonymous = broker.ClientWith(null);
        using var sneaky = broker.ClientWith(secret);

        foreach (var http in new[] { anonymous, sneaky })
        {
            using var refused = await http.GetAsync("api/items");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("cannot read its tokens.json", await refused.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }
        await broker.StopAsync();
        var log = string.Join('\n', Directory.GetFiles(Path.Combine(broker.Settings.DataPath, "logs")).Select(File.ReadAllText));
        Assert.Contains(problem, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_requests_are_served_only_without_tokens_and_only_on_loopback_unless_allowed()
    {
        var data = new DataFolder(_folder.Combine("data"), new System.IO.Abstractions.FileSystem());
        var tokens = new TokenRegistry(data, new System.IO.Abstractions.FileSystem(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TokenRegistry>.Instance);
        AnonymousAccess On(string address, bool allow = false) =>
            new(RunningBroker.SettingsFor(data.Root, settings => settings with { ListenAddress = address, AllowAnonymous = allow }), tokens);

        foreach (var loopback in new[] { "127.0.0.1", "127.0.0.2", "::1", "localhost" })
        {
            Assert.True(On(loopback).Allowed, loopback);
            Assert.Null(On(loopback).StartProblem());
        }
        foreach (var network in new[] { "0.0.0.0", "::", "*", "192.168.1.10" })
        {
            Assert.False(On(network).Allowed, network);
            Assert.NotNull(On(network).StartProblem());
            Assert.True(On(network, allow: true).Allowed, network);
            Assert.StartsWith("NO TOKENS and --allow-anonymous", On(network, allow: true).Describe(), StringComparison.Ordinal); // logged at every start
            Assert.Null(On(network, allow: true).StartProblem());
        }

        await new TokenBook(data, new System.IO.Abstractions.FileSystem(), TimeProvider.System).AddAsync("alice", "client", null);

        Assert.False(On("127.0.0.1").Allowed);
        Assert.False(On("0.0.0.0", allow: true).Allowed);
        Assert.Null(On("0.0.0.0").StartProblem());
    }
}
