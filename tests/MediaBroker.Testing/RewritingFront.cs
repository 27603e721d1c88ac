using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MediaBroker.Testing;

/// <summary>Passes every request to a real broker and lets a test rewrite the JSON answers on the way back.</summary>
public sealed class RewritingFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private RewritingFront(WebApplication app, HttpClient http, Uri url) => (_app, _http, Url) = (app, http, url);

    public Uri Url { get; }

    public static async Task<RewritingFront> StartAsync(Uri target, Func<string, string> rewrite)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var http = new HttpClient { BaseAddress = target };
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            using var response = await http.SendAsync(request);
            context.Response.StatusCode = (int)response.StatusCode;
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true)
                body = System.Text.Encoding.UTF8.GetBytes(rewrite(System.Text.Encoding.UTF8.GetString(body)));
            foreach (var header in response.Content.Headers.Where(header => header.Key != "Content-Length"))
                context.Response.Headers[header.Key] = header.Value.ToArray();
            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Urls.First();
        return new RewritingFront(app, http, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
