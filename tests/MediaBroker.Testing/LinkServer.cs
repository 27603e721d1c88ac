using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace MediaBroker.Testing;

/// <summary>
/// A web server on a loopback address for tests of fetched links: serves a folder's files (with Range, ETag and
/// If-Range, as Kestrel's static files do), redirects where a test says, and remembers every request it saw. Put a
/// <see cref="CuttingProxy"/> in front of it for a link that breaks mid-way.
/// </summary>
public sealed class LinkServer : IAsyncDisposable
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private readonly WebApplication _app;
    private readonly string _folder;
    private readonly ConcurrentDictionary<string, string> _redirects = new();

    private LinkServer(WebApplication app, string folder) => (_app, _folder) = (app, folder);

    public Uri Root { get; private set; } = null!;
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();
    /// <summary>A GET of <paramref name="path"/> answers 302 to <paramref name="location"/>, whatever it is.</summary>
    public void Redirect(string path, string location) => _redirects[path] = location;

    public Uri Url(string path) => new(Root, path);

    public static async Task<LinkServer> StartAsync(string folder, string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        var app = builder.Build();
        var server = new LinkServer(app, folder);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.Root = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.Enqueue(new SeenRequest(path, context.Request.Headers.Range.ToString(), context.Request.Headers.IfRange.ToString()));
        if (_redirects.TryGetValue(path, out var location))
        {
            context.Response.Redirect(location);
            return;
        }
        if (path == "/endless.mp4")
        {
            await EndlessAsync(context);
            return;
        }
        if (path == "/stalled.mp4")
        {
            await SendThenHoldAsync(context, announced: 1000, sent: 10);
            return;
        }
        if (path == "/vast.mp4")
        {
            await SendThenHoldAsync(context, VastBytes, sent: 64 * 1024);
            return;
        }
        var file = Path.Combine(_folder, path.TrimStart('/'));
        if (path.Contains("..", StringComparison.Ordinal) || !File.Exists(file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var type = ContentTypes.TryGetContentType(file, out var known) ? known : "application/octet-stream";
        var info = new FileInfo(file);
        var tag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
        await Results.File(file, type, lastModified: info.LastWriteTimeUtc, entityTag: tag, enableRangeProcessing: true).ExecuteAsync(context);
    }

    /// <summary>A video/mp4 body of unknown length that goes on (up to 64 MiB, so a test cannot hang on it).</summary>
    private static async Task EndlessAsync(HttpContext context)
    {
        context.Response.ContentType = "video/mp4";
        var chunk = new byte[64 * 1024];
        try
        {
            for (var sent = 0; sent < 64 << 20 && !context.RequestAborted.IsCancellationRequested; sent += chunk.Length)
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// A video/mp4 that announces <paramref name="announced"/> bytes, sends <paramref name="sent"/> of them, and then
    /// nothing until the client gives up: /stalled.mp4 (1000, 10) and /vast.mp4 (a pebibyte, 64 KiB).
    /// </summary>
    private static async Task SendThenHoldAsync(HttpContext context, long announced, int sent)
    {
        context.Response.ContentType = "video/mp4";
        context.Response.ContentLength = announced;
        await context.Response.Body.WriteAsync(new byte[sent]);
        await context.Response.Body.FlushAsync();
        try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
        catch (OperationCanceledException) { }
    }

    /// <summary>The size /vast.mp4 announces.</summary>
    public const long VastBytes = 1L << 50;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public sealed record SeenRequest(string Path, string Range, string IfRange);
}
