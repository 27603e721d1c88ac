using System.Collections.Frozen;
using System.Security.Cryptography;
using MediaBroker.Broker.Api;

namespace MediaBroker.Broker.Dashboard;

/// <summary>
/// The dashboard at <c>/</c>: one page, its script and style, and tus-js-client's browser build, all embedded in
/// media-broker so that it works with no internet and no files beside the program. The page itself is open to all;
/// what it shows comes from the API, which asks for a token where the broker requires one.
/// </summary>
public static class DashboardPages
{
    private const string ResourcePrefix = "dashboard/";

    // The page runs only its own scripts and talks only to its broker; signed links in URLs go to no other site.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(LoadAssets);

    /// <summary>A file of the page: its bytes and a strong ETag of them.</summary>
    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html")).AllowAnonymous()
            .WithTags("Dashboard")
            .WithSummary("The dashboard")
            .WithDescription("The web page: items, hand-in, actions and the broker's figures. Open to all; it asks for a token where the broker needs one.")
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .Produces(StatusCodes.Status304NotModified);
        app.MapGet("/dashboard/{file}", (string file, HttpContext context) => Serve(context, file)).AllowAnonymous()
            .WithTags("Dashboard")
            .WithSummary("A file of the dashboard")
            .WithDescription("The page's scripts, style and tus-js-client's browser build, built into media-broker.")
            .PathParameter("file", "The file's name, for example app.js.")
            .Produces<string>(StatusCodes.Status200OK, "text/javascript", "text/css", "image/svg+xml")
            .Produces(StatusCodes.Status304NotModified)
            .Problems(StatusCodes.Status404NotFound);
        return app;
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
            return TypedResults.Problem(file == "tus.min.js"
                    ? "this media-broker was built without tus-js-client; run scripts/setup (it installs it with npm) and build again"
                    : $"the dashboard has no file '{file}'",
                statusCode: StatusCodes.Status404NotFound, title: "Not found");
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Always asked again, answered 304 while unchanged: a new broker version is seen at the next load.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(DashboardPages).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name[ResourcePrefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            assets[file] = new Asset(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
