using System.Net.ServerSentEvents;

namespace MediaBroker.Testing;

/// <summary>
/// An open <c>GET /api/events</c> of a broker, read with .NET's own server-sent-events parser (SseParser): the
/// events as they come, and the last event id the stream gave (its first line carries one too).
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly SseParser<string> _parser;
    private readonly IAsyncEnumerator<SseItem<string>> _items;

    private EventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _parser = SseParser.Create(body);
        _items = _parser.EnumerateAsync().GetAsyncEnumerator();
    }

    public string LastEventId => _parser.LastEventId;

    public static async Task<EventStream> OpenAsync(HttpClient http, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/events");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new EventStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <returns>The next event, or null when the broker ended the stream.</returns>
    public async Task<SseItem<string>?> NextAsync(CancellationToken cancellationToken = default)
    {
        var next = _items.MoveNextAsync().AsTask();
        return await next.WaitAsync(Eventually.DefaultLimit, cancellationToken) ? _items.Current : null;
    }

    /// <summary>Reads on until an event satisfies <paramref name="wanted"/>; returns every event read, that one last.</summary>
    public async Task<List<SseItem<string>>> ReadUntilAsync(Func<SseItem<string>, bool> wanted, string what)
    {
        var read = new List<SseItem<string>>();
        while (await NextAsync() is { } item)
        {
            read.Add(item);
            if (wanted(item)) return read;
        }
        throw new InvalidOperationException($"the event stream ended before {what}; it gave {read.Count} events");
    }

    public async ValueTask DisposeAsync()
    {
        await _items.DisposeAsync();
        _response.Dispose();
    }
}
