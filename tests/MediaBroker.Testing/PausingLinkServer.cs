using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MediaBroker.Testing;

/// <summary>
/// A web server on loopback for the life of an item made from a link (<see cref="LinkServer"/> is the one for the
/// fetcher's HTTP rules: ETag, If-Range, redirects). It serves files by name: <c>/files/{name}</c>, with
/// <c>Range: bytes=N-</c> answered 206, every request's Range recorded, and a gate that holds a response after
/// <see cref="HoldAfterBytes"/> of the file until <see cref="Release"/>, so that a fetch can be caught in the middle.
/// </summary>
public sealed class PausingLinkServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _files = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PausingLinkServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Bytes of a file sent before a response waits for <see cref="Release"/>; null: never held.</summary>
    public long? HoldAfterBytes { get; set; }

    /// <summary>Each request as "name range" (range "-" when none), in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Set once a response has reached <see cref="HoldAfterBytes"/> and waits.</summary>
    public TaskCompletionSource Holding { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<PausingLinkServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new PausingLinkServer(app);
        app.MapGet("/files/{name}", server.ServeAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Urls.First() + "/");
        return server;
    }

    /// <summary>Serves <paramref name="path"/> as /files/<paramref name="name"/>; returns its link.</summary>
    public Uri Serve(string name, string path)
    {
        _files[name] = path;
        return new Uri(Url, $"files/{name}");
    }

    /// <summary>Lets held responses go on, and responses after them pass without holding.</summary>
    public void Release()
    {
        HoldAfterBytes = null;
        _released.TrySetResult();
    }

    private async Task ServeAsync(HttpContext context, string name)
    {
        var range = context.Request.Headers.Range.ToString();
        Requests.Enqueue($"{name} {(range.Length == 0 ? "-" : range)}");
        if (!_files.TryGetValue(name, out var path))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(path);
        long start = 0;
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && long.TryParse(range.AsSpan(6, range.Length - 7), NumberStyles.None, CultureInfo.InvariantCulture, out var from) && from < bytes.Length)
        {
            start = from;
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = bytes.Length - start;
        var position = start;
        while (position < bytes.Length)
        {
            if (HoldAfterBytes is { } hold && position >= hold)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                Holding.TrySetResult();
                await _released.Task.WaitAsync(context.RequestAborted);
            }
            var end = HoldAfterBytes is { } limit && position < limit ? Math.Min(limit, bytes.Length) : bytes.Length;
            var chunk = (int)Math.Min(16 * 1024, end - position);
            await context.Response.Body.WriteAsync(bytes.AsMemory((int)position, chunk), context.RequestAborted);
            position += chunk;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
