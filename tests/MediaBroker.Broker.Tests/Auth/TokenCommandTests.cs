using System.Net;
using System.Text.Json;
using MediaBroker.Broker.Auth;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Auth;

/// <summary><c>media-broker token</c> and <c>queue --token</c> as a user runs them, against a broker that is running.</summary>
public sealed class TokenCommandTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("token-cli");
    private RunningBroker _broker = null!;
    private string Data => _folder.Combine("data");

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(Data);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private Task<BrokerCommand.Result> RunAsync(params string[] arguments) => BrokerCommand.RunAsync(_folder.Path, arguments);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_token_is_printed_once_only_its_hash_is_kept_owner_only_and_the_running_broker_takes_it_at_once()
    {
        using var anonymous = _broker.ClientWith(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("api/server")).StatusCode); // no tokens yet: this machine may

        var added = await RunAsync("token", "add", "laptop", "--data", Data);

        Assert.True(added.ExitCode == 0, added.ToString());
        var secret = added.Output.Trim();
        Assert.StartsWith(TokenSecrets.Prefix, secret, StringComparison.Ordinal);
        Assert.Contains("shown once", added.Errors, StringComparison.Ordinal);
        var file = Path.Combine(Data, TokenFile.FileName);
        var stored = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.Contains(TokenSecrets.HashHex(secret), stored, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        using var laptop = _broker.ClientWith(secret);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("api/server")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/server")).StatusCode); // a token exists: all need one
    }

    [Fact]
    public async Task A_revoked_token_is_refused_from_the_next_request_on_without_a_restart()
    {
        var secret = (await RunAsync("token", "add", "phone", "--data", Data)).Output.Trim();
        using var phone = _broker.ClientWith(secret);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("api/items")).StatusCode);

        var revoked = await RunAsync("token", "revoke", "phone", "--data", Data);

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        using var refused = await phone.GetAsync("api/items");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("unknown or revoked", await refused.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_list_names_roles_and_use_and_never_shows_a_secret()
    {
        var secret = (await RunAsync("token", "add", "alice", "--client-id", "alice-home", "--data", Data)).Output.Trim();
        await RunAsync("token", "add", "root", "--role", "admin", "--data", Data);
        using var alice = _broker.ClientWith(secret);
        await alice.GetAsync("api/items");

        var listed = await RunAsync("token", "list", "--json", "--data", Data);

        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenSecrets.HashHex(secret), listed.Output, StringComparison.Ordinal);
        var rows = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["alice", "root"], rows.Select(row => row.GetProperty("name").GetString()));
        Assert.Equal("alice-home", rows[0].GetProperty("client_id").GetString());
        Assert.True(rows[0].TryGetProperty("last_used_at", out _));
        Assert.Equal("admin", rows[1].GetProperty("role").GetString());
        Assert.False(rows[1].TryGetProperty("last_used_at", out _));
    }

    [Theory]
    [InlineData("token add 'bad name'", 2, "a token's name may hold letters")]
    [InlineData("token add x --role boss", 2, "role 'boss' is not one of client, admin")]
    [InlineData("token add x --role admin --client-id y", 2, "a client_id is for client tokens")]
    [InlineData("token add anonymous", 2, "reserved")]
    [InlineData("token revoke nobody", 1, "there is no token named 'nobody'")]
    public async Task A_mistake_is_one_line_and_changes_nothing(string command, int exitCode, string message)
    {
        await RunAsync("token", "add", "keep", "--data", Data);
        var before = await File.ReadAllTextAsync(Path.Combine(Data, TokenFile.FileName));
        var arguments = System.Text.RegularExpressions.Regex.Matches(command, "'[^']*'|\\S+").Select(match => match.Value.Trim('\'')).ToList();

        var result = await RunAsync([.. arguments, "--data", Data]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Single(result.Errors.Trim().Split('\n'));
        Assert.Contains(message, result.Errors, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(Data, TokenFile.FileName)));
    }

    [Fact]
    public async Task Adding_the_same_name_twice_is_refused_and_the_first_token_keeps_working()
    {
        var first = (await RunAsync("token", "add", "twice", "--data", Data)).Output.Trim();

        var again = await RunAsync("token", "add", "twice", "--data", Data);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Errors, StringComparison.Ordinal);
        using var http = _broker.ClientWith(first);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/items")).StatusCode);
    }

    [Fact]
    public async Task Queue_sends_the_token_from_the_option_or_from_MEDIABROKER_TOKEN_and_says_how_when_it_is_missing()
    {
        var secret = (await RunAsync("token", "add", "queuer", "--data", Data)).Output.Trim();
        var url = _broker.Url.ToString();

        var withOption = await RunAsync("queue", "list", "--url", url, "--token", secret);
        var withVariable = await BrokerCommand.RunAsync(_folder.Path, new Dictionary<string, string> { ["MEDIABROKER_TOKEN"] = secret }, "queue", "list", "--url", url);
        var without = await RunAsync("queue", "list", "--url", url);

        Assert.True(withOption.ExitCode == 0, withOption.ToString());
        Assert.True(withVariable.ExitCode == 0, withVariable.ToString());
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("pass --token or set MEDIABROKER_TOKEN", without.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_refuses_to_start_on_every_address_without_a_token_and_says_how_to_add_one()
    {
        var fresh = _folder.Combine("fresh");

        var refused = await RunAsync("serve", "--data", fresh, "--address", "0.0.0.0", "--port", "0");

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"media-broker: listen_address 0.0.0.0 is reachable from other machines and no token exists; add one first with "
            + $"`media-broker token add NAME --data {fresh}` (or start with --allow-anonymous to let anyone in)", refused.Errors.Trim());
        Assert.False(File.Exists(Path.Combine(fresh, "broker.pid")));
    }
}
