using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using MediaBroker.Broker.Api;
using MediaBroker.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, fetched from a real broker without a token: a valid OpenAPI 3 document
/// that describes every route the app maps (a new route without a summary, a description and its responses fails
/// here; it is validated twice, by Microsoft.OpenApi and by swagger-parser), and the reference page at /docs, whose scripts all come from the broker itself.
/// </summary>
public sealed partial class OpenApiDocumentTests(OpenApiDocumentTests.BrokerWithAToken fixture) : IClassFixture<OpenApiDocumentTests.BrokerWithAToken>
{
    /// <summary>
    /// Routes their libraries leave out of the description: the document itself and the reference page with its files.
    /// The document describes the two a person opens (added by <see cref="ApiReference"/>); nothing else may be left out.
    /// </summary>
    private static readonly Dictionary<string, string?> LeftOutOfTheDescription = new()
    {
        ["GET /openapi/v1.json"] = "GET /openapi/v1.json",
        ["GET /docs/{documentName?}"] = "GET /docs",
        ["GET /docs/scalar.js"] = null,
        ["GET /docs/scalar.aspnetcore.js"] = null,
        ["GET /docs/favicon.svg"] = null,
    };

    /// <summary>A broker with a token, so that only the routes open to all answer a request without one.</summary>
    public sealed class BrokerWithAToken : IAsyncLifetime
    {
        private readonly TempFolder _folder = new("openapi");
        public RunningBroker Broker { get; private set; } = null!;
        public string Json { get; private set; } = "";
        public OpenApiDocument Document { get; private set; } = null!;
        public OpenApiDiagnostic Diagnostic { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Broker = await RunningBroker.StartAsync(_folder.Combine("data"));
            await Broker.AddTokenAsync("alice");
            using var anonymous = Broker.ClientWith(null);
            using var response = await anonymous.GetAsync("openapi/v1.json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Json = await response.Content.ReadAsStringAsync();
            var read = OpenApiDocument.Parse(Json, "json");
            Document = read.Document!;
            Diagnostic = read.Diagnostic!;
        }

        public async Task DisposeAsync()
        {
            await Broker.DisposeAsync();
            _folder.Dispose();
        }
    }

    private readonly RunningBroker _broker = fixture.Broker;
    private readonly OpenApiDocument _document = fixture.Document;

    [Fact]
    public void The_document_is_a_valid_OpenAPI_3_document()
    {
        Assert.NotNull(_document);
        Assert.True(fixture.Diagnostic.Errors.Count == 0, "read errors: " + string.Join("; ", fixture.Diagnostic.Errors.Select(error => $"{error.Pointer}: {error.Message}")));
        Assert.True(fixture.Diagnostic.Warnings.Count == 0, "read warnings: " + string.Join("; ", fixture.Diagnostic.Warnings.Select(error => $"{error.Pointer}: {error.Message}")));
        Assert.Contains(fixture.Diagnostic.SpecificationVersion, new[] { OpenApiSpecVersion.OpenApi3_0, OpenApiSpecVersion.OpenApi3_1 });
        Assert.StartsWith("3.", System.Text.Json.Nodes.JsonNode.Parse(fixture.Json)!["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var errors = _document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, "validation errors: " + string.Join("; ", errors.Select(error => $"{error.Pointer}: {error.Message}")));
        Assert.Equal("MediaBroker", _document.Info.Title);
    }

    [Fact]
    public async Task Swagger_parser_validates_the_document_too()
    {
        // A second, stricter reader (npm's @apidevtools/swagger-parser, on Node): the schema of the OpenAPI version, every
        // $ref resolved, path parameters declared and used, unique operation ids.
        var folder = Path.Combine(Repository.Root, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@apidevtools", "swagger-parser")),
            "run scripts/setup --tests first (npm ci in tests/interop)");
        using var temp = new TempFolder("openapi-file");
        var file = temp.WriteFile("v1.json", System.Text.Encoding.UTF8.GetBytes(fixture.Json));
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("validate-openapi.mjs");
        start.ArgumentList.Add(file);
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var said = await output + await errors;
        Assert.True(node.ExitCode == 0, said);
        Assert.Contains("\"valid\":true", said, StringComparison.Ordinal);
    }

    [Fact]
    public void The_document_has_an_operation_for_every_route_the_app_maps_and_no_other()
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var leftOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, endpoint) in MappedRoutes())
        {
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                leftOut.Add(key);
                if (LeftOutOfTheDescription.GetValueOrDefault(key) is { } described) expected.Add(described);
            }
            else
            {
                expected.Add($"{key.Split(' ')[0]} {DocumentPath(endpoint.RoutePattern)}");
            }
        }

        Assert.True(leftOut.SetEquals(LeftOutOfTheDescription.Keys),
            $"routes left out of the OpenAPI document: {string.Join(", ", leftOut.Order())}; only the reference's own may be "
            + $"({string.Join(", ", LeftOutOfTheDescription.Keys)}): describe the route instead of ExcludeFromDescription");
        var documented = Operations().Select(operation => operation.Key).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(documented).Order().ToList();
        Assert.True(missing.Count == 0, $"routes the document lacks: {string.Join(", ", missing)}");
        var stale = documented.Except(expected).Order().ToList();
        Assert.True(stale.Count == 0, $"operations for routes the app does not map: {string.Join(", ", stale)}");
    }

    [Fact]
    public void Every_operation_has_a_summary_a_description_tags_and_its_responses_and_every_error_is_problem_json()
    {
        var problems = new List<string>();
        foreach (var (key, operation) in Operations())
        {
            if (string.IsNullOrWhiteSpace(operation.Summary)) problems.Add($"{key}: no summary (WithSummary)");
            if (string.IsNullOrWhiteSpace(operation.Description)) problems.Add($"{key}: no description (WithDescription)");
            if (operation.Tags is not { Count: > 0 }) problems.Add($"{key}: no tag (WithTags)");
            if (operation.Responses is not { Count: > 0 }) problems.Add($"{key}: no documented response");
            if (operation.Responses?.Keys.Any(status => status.StartsWith('2') || status == "304") != true)
                problems.Add($"{key}: no success documented (Produces)");
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (status[0] is '4' or '5' && response.Content?.ContainsKey("application/problem+json") != true)
                    problems.Add($"{key}: {status} is not described as application/problem+json (ProducesProblem)");
                if (string.IsNullOrWhiteSpace(response.Description)) problems.Add($"{key}: {status} has no description");
            }
            foreach (var parameter in operation.Parameters ?? [])
                if (string.IsNullOrWhiteSpace(parameter.Description)) problems.Add($"{key}: parameter {parameter.Name} ({parameter.In}) has no description");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_bearer_scheme_is_described_and_only_the_open_routes_need_no_token()
    {
        var scheme = Assert.IsType<OpenApiSecurityScheme>(_document.Components?.SecuritySchemes?[ApiReference.SecuritySchemeName]);
        Assert.Equal(SecuritySchemeType.Http, scheme.Type);
        Assert.Equal("bearer", scheme.Scheme);
        Assert.False(string.IsNullOrWhiteSpace(scheme.Description));

        var open = MappedRoutes()
            .Where(route => route.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
                && route.Endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Select(route => $"{route.Key.Split(' ')[0]} {DocumentPath(route.Endpoint.RoutePattern)}")
            .Concat(LeftOutOfTheDescription.Values.OfType<string>())
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("GET /links/{itemId}/{fileName}", open);
        Assert.Contains("GET /", open);
        foreach (var (key, operation) in Operations())
        {
            if (open.Contains(key))
            {
                // An empty list, not a missing one: "no token needed", whatever a global default says.
                Assert.True(operation.Security is { Count: 0 }, $"{key} is open to all, but its security is not an empty list");
            }
            else
            {
                var requirement = Assert.Single(operation.Security ?? []);
                Assert.True(requirement.Keys.Single().Reference.Id == ApiReference.SecuritySchemeName, $"{key}: not the bearer scheme");
                Assert.True(operation.Responses?.ContainsKey("401") == true, $"{key} needs a token, but its 401 is not documented");
            }
        }
        // The JSON says so too: an explicit "security": [] on open operations.
        Assert.Matches(SecurityNone(), fixture.Json);
    }

    [Fact]
    public async Task The_reference_page_opens_without_a_token_and_all_its_scripts_come_from_the_broker()
    {
        using var anonymous = _broker.ClientWith(null);
        using var refused = await anonymous.GetAsync("api/items");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode); // the broker has a token: the API itself is closed

        using var response = await anonymous.GetAsync("docs/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("connect-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();

        var sources = ScriptSource().Matches(html).Select(match => match.Groups[1].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var url = new Uri(response.RequestMessage!.RequestUri!, source);
            Assert.True(url.Authority == _broker.Url.Authority, $"the page loads {source} from {url.Authority}, not from the broker");
            using var script = await anonymous.GetAsync(url);
            Assert.True(script.StatusCode == HttpStatusCode.OK, $"{url}: {(int)script.StatusCode}");
            Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
            Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 1000 || source.Contains("aspnetcore", StringComparison.Ordinal), $"{url} is nearly empty");
        }
        // Imports in the inline module, and anything else the page names, stay on the broker too.
        Assert.DoesNotMatch(ExternalUrl(), html);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal); // fonts from Scalar's CDN otherwise
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);

        // /docs itself leads there, and the dashboard keeps its own strict policy.
        using var bare = await anonymous.GetAsync("docs");
        Assert.True(bare.StatusCode is HttpStatusCode.OK, $"/docs: {(int)bare.StatusCode}");
        using var dashboard = await anonymous.GetAsync("");
        Assert.Contains("script-src 'self';", dashboard.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("href=\"docs\"", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private IEnumerable<(string Key, RouteEndpoint Endpoint)> MappedRoutes()
    {
        foreach (var endpoint in _broker.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["(any method)"])
                yield return ($"{method} {endpoint.RoutePattern.RawText}", endpoint);
    }

    private IEnumerable<KeyValuePair<string, OpenApiOperation>> Operations() =>
        from path in _document.Paths
        from operation in path.Value.Operations ?? []
        select KeyValuePair.Create($"{operation.Key.Method.ToUpperInvariant()} {path.Key}", operation.Value);

    /// <summary>A route pattern as OpenAPI writes it: parameters without constraints, no trailing slash.</summary>
    private static string DocumentPath(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"unexpected part in {pattern.RawText}"),
        })));
        return "/" + string.Join('/', segments);
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSource();

    [GeneratedRegex("(?:src|href|import[^'\"]*from)\\s*=?\\s*[\"']?(?:https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();

    [GeneratedRegex("\"security\":\\s*\\[\\s*\\]")]
    private static partial Regex SecurityNone();
}
