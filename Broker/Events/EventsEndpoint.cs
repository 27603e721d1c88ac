using System.Buffers;
using System.Text.Json;
using MediaBroker.Broker.Api;
using MediaBroker.Broker.Auth;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Events;

/// <summary>
/// <c>GET /api/events</c>: server-sent events (text/event-stream) of every item change the caller may see and of the
/// broker's figures. Each event has an id; a reader that reconnects with <c>Last-Event-ID</c> (the header, or
/// <c>last_event_id</c> in the query) gets what it missed. A comment line every <see cref="EventHub.HeartbeatInterval"/>
/// keeps proxies from closing a quiet stream.
/// </summary>
public static class EventsEndpoint
{
    /// <summary>How long a browser waits before it reconnects (the stream's <c>retry:</c> field).</summary>
    private const int ReconnectMilliseconds = 2000;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", StreamAsync).ForClientsOnly()
            .WithTags("Events")
            .WithSummary("Follow item changes and the broker's figures (server-sent events)")
            .WithDescription("A text/event-stream that stays open: an event per item change the caller may see (its data the item, as JSON) and the "
                + "broker's figures (as GET /api/stats gives them). Each event has an id; a reader that reconnects with Last-Event-ID gets what it "
                + "missed. A comment line every few seconds keeps proxies from closing a quiet stream.")
            .Header("Last-Event-ID", "The id of the last event read: the stream starts after it.")
            .Query("last_event_id", "As the Last-Event-ID header, for readers that cannot send headers.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        return app;
    }

    private static async Task StreamAsync(HttpContext context, Caller caller, EventHub hub, BrokerFigures figures, IHostApplicationLifetime lifetime)
    {
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : context.Request.Query["last_event_id"].ToString();
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx would otherwise hold the events back
        using var reader = hub.Subscribe(caller, lastEventId, () => JsonSerializer.SerializeToUtf8Bytes(figures.For(caller), WireJsonContext.Default.BrokerStats));
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var stop = ending.Token;
        try
        {
            var position = reader.StartsAfter is { } start ? $"id: {new EventId(hub.Run, start)}\n" : "";
            await response.WriteAsync($"retry: {ReconnectMilliseconds}\n{position}\n", stop);
            await response.Body.FlushAsync(stop);
            // All that is waiting goes out in one flush; the stream ends when the reader is dropped as too slow or
            // the broker stops (it reconnects).
            while (await reader.Events.WaitToReadAsync(stop))
            {
                while (reader.Events.TryRead(out var next)) response.BodyWriter.Write(next.Wire);
                await response.BodyWriter.FlushAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the reader went away, or the broker stops
        }
    }
}
