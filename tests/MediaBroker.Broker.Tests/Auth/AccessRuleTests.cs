using System.Net;
using System.Text;
using MediaBroker.Broker.Auth;
using MediaBroker.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Broker.Tests.Auth;

/// <summary>
/// Every route the broker maps, with the rule it must have and what each kind of caller gets. A new route without a
/// row here fails <see cref="Every_route_the_app_maps_has_a_row_and_the_rule_it_declares_is_the_rule_of_its_row"/>.
/// </summary>
public sealed class AccessRuleTests(AccessRuleTests.BrokerWithTokens fixture) : IClassFixture<AccessRuleTests.BrokerWithTokens>
{
    private const string Anyone = "anonymous (a signed link, the dashboard's own files, the API reference)";
    private const string Clients = BrokerAccess.ForClients;
    private const string Admins = BrokerAccess.ForAdmins;

    /// <summary>A route, its rule, and a request to it that an allowed caller gets an answer to (ids that do not exist).</summary>
    public sealed record Row(string Method, string Pattern, string Rule, string Path, Func<HttpContent?>? Body = null, Dictionary<string, string>? Headers = null)
    {
        public string Key => $"{Method} {Pattern}";
        public override string ToString() => Key;
    }

    private static readonly Dictionary<string, string> Tus = new() { ["Tus-Resumable"] = "1.0.0" };
    private const string NoItem = "6d1f0d3e-2a83-4bb5-9a4e-0a5b8c8b3f11";
    private const string NoUpload = "0123456789abcdef0123456789abcdef";

    public static readonly Row[] Table =
    [
        new("POST", "/api/items/", Clients, "api/items", () => new ByteArrayContent([])),
        new("GET", "/api/items/", Clients, "api/items"),
        new("GET", "/api/items/{itemId:guid}", Clients, $"api/items/{NoItem}"),
        new("GET", "/api/items/{itemId:guid}/output", Clients, $"api/items/{NoItem}/output"),
        new("HEAD", "/api/items/{itemId:guid}/output", Clients, $"api/items/{NoItem}/output"),
        new("GET", "/api/items/{itemId:guid}/thumbnail", Clients, $"api/items/{NoItem}/thumbnail"),
        new("POST", "/api/items/{itemId:guid}/link", Clients, $"api/items/{NoItem}/link"),
        new("POST", "/api/items/{itemId:guid}/retry", Clients, $"api/items/{NoItem}/retry"),
        new("POST", "/api/items/{itemId:guid}/fetched", Clients, $"api/items/{NoItem}/fetched"),
        new("DELETE", "/api/items/{itemId:guid}", Clients, $"api/items/{NoItem}"),
        new("OPTIONS", "/api/uploads/", Clients, "api/uploads/", Headers: Tus),
        new("GET", "/api/uploads/", Clients, "api/uploads/?sha512=" + new string('a', 128), Headers: Tus),
        new("POST", "/api/uploads/", Clients, "api/uploads/", Headers: Tus),
        new("HEAD", "/api/uploads/{uploadId:regex(^[0-9a-f]{{32}}$)}", Clients, $"api/uploads/{NoUpload}", Headers: Tus),
        new("PATCH", "/api/uploads/{uploadId:regex(^[0-9a-f]{{32}}$)}", Clients, $"api/uploads/{NoUpload}", Headers: Tus),
        new("DELETE", "/api/uploads/{uploadId:regex(^[0-9a-f]{{32}}$)}", Clients, $"api/uploads/{NoUpload}", Headers: Tus),
        new("GET", "/api/server", Clients, "api/server"),
        new("GET", "/api/stats", Clients, "api/stats"),
        new("GET", "/api/events", Clients, "api/events"),
        // The page asks for a token itself: its files are open, what it shows comes from the API above.
        new("GET", "/", Anyone, ""),
        new("GET", "/dashboard/{file}", Anyone, "dashboard/app.js"),
        // Probes for proxies and orchestrators, which hold no token.
        new("GET", "/healthz", Anyone, "healthz"),
        new("GET", "/readyz", Anyone, "readyz"),
        new("GET", "/links/{itemId:guid}/{fileName}", Anyone, $"links/{NoItem}/a.mkv?expires=1&by=x&signature=x"),
        new("HEAD", "/links/{itemId:guid}/{fileName}", Anyone, $"links/{NoItem}/a.mkv?expires=1&by=x&signature=x"),
        // The API's description and its reference page (with the page's own script, built into media-broker).
        new("GET", "/openapi/v1.json", Anyone, "openapi/v1.json"),
        new("GET", "/docs/{documentName?}", Anyone, "docs/"),
        new("GET", "/docs/scalar.js", Anyone, "docs/scalar.js"),
        new("GET", "/docs/scalar.aspnetcore.js", Anyone, "docs/scalar.aspnetcore.js"),
        new("GET", "/docs/favicon.svg", Anyone, "docs/favicon.svg"),
        new("GET", "/api/tokens/", Admins, "api/tokens"),
        new("POST", "/api/tokens/", Admins, "api/tokens", () => new StringContent("{}", Encoding.UTF8, "application/json")),
        new("DELETE", "/api/tokens/{name}", Admins, "api/tokens/nobody"),
        // Prometheus scrapes with an admin token (README); without tokens, the anonymous caller on loopback is an admin.
        new("GET", "/metrics", Admins, "metrics"),
    ];

    public static TheoryData<Row> Rows() => [.. Table];

    /// <summary>One broker for every row: tokens alice (client), root (admin) and gone (revoked).</summary>
    public sealed class BrokerWithTokens : IAsyncLifetime
    {
        private readonly TempFolder _folder = new("access-rules");
        public RunningBroker Broker { get; private set; } = null!;
        public string Client { get; private set; } = "";
        public string Admin { get; private set; } = "";
        public string Revoked { get; private set; } = "";

        public async Task InitializeAsync()
        {
            // Every revoked-token row is a wrong token from 127.0.0.1: more than the lockout allows, which has tests of its own.
            Broker = await RunningBroker.StartAsync(_folder.Combine("data"), settings => settings with { FailedTokenAttemptsPerMinute = 1000 });
            Client = await Broker.AddTokenAsync("alice");
            Admin = await Broker.AddTokenAsync("root", "admin");
            Revoked = await Broker.AddTokenAsync("gone");
            await Broker.RevokeTokenAsync("gone");
        }

        public async Task DisposeAsync()
        {
            await Broker.DisposeAsync();
            _folder.Dispose();
        }
    }

    private readonly RunningBroker _broker = fixture.Broker;
    private readonly string _client = fixture.Client;
    private readonly string _admin = fixture.Admin;
    private readonly string _revoked = fixture.Revoked;

    [Fact]
    public void Every_route_the_app_maps_has_a_row_and_the_rule_it_declares_is_the_rule_of_its_row()
    {
        var mapped = new Dictionary<string, string>();
        foreach (var endpoint in _broker.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var rule = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null ? Anyone
                : endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().LastOrDefault()?.Policy ?? "(none: falls to the admin rule)";
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["(any method)"])
                mapped[$"{method} {endpoint.RoutePattern.RawText}"] = rule;
        }

        var missing = mapped.Keys.Except(Table.Select(row => row.Key)).ToList();
        Assert.True(missing.Count == 0, $"routes without a row in AccessRuleTests.Table (give each a rule): {string.Join(", ", missing)}");
        var stale = Table.Select(row => row.Key).Except(mapped.Keys).ToList();
        Assert.True(stale.Count == 0, $"rows for routes the app does not map: {string.Join(", ", stale)}");
        foreach (var row in Table) Assert.True(mapped[row.Key] == row.Rule, $"{row.Key}: declares '{mapped[row.Key]}', the table says '{row.Rule}'");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Without_a_token_only_a_signed_link_route_answers_and_every_other_says_a_token_is_needed(Row row)
    {
        using var response = await SendAsync(row, token: null);
        if (row.Rule == Anyone)
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            return;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        if (row.Method != "HEAD") Assert.Contains("needs a token", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_client_token_is_let_through_client_routes_and_refused_admin_routes(Row row)
    {
        using var response = await SendAsync(row, _client);
        if (row.Rule == Admins)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("needs an admin token", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
        }
        else
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.True((int)response.StatusCode < 500, $"{row}: {(int)response.StatusCode}");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task An_admin_token_is_let_through_every_route(Row row)
    {
        using var response = await SendAsync(row, _admin);
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        if (row.Rule != Anyone) Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True((int)response.StatusCode < 500, $"{row}: {(int)response.StatusCode}");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_revoked_token_is_refused_on_every_route_that_needs_one(Row row)
    {
        if (row.Rule == Anyone) return; // a signed link asks for no token, so it ignores one
        using var response = await SendAsync(row, _revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(Row row, string? token)
    {
        using var http = _broker.ClientWith(token);
        var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path) { Content = row.Body?.Invoke() };
        foreach (var (name, value) in row.Headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        // Headers only: an event stream never ends, and no row needs more than its status and problem detail.
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
