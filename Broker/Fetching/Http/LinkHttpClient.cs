using System.Net;
using System.Net.Sockets;
using MediaBroker.Broker.Fetching.Safety;

namespace MediaBroker.Broker.Fetching.Http;

/// <summary>
/// The HttpClient links are fetched with. Every connection it opens goes through <see cref="GuardedConnection"/>
/// (its ConnectCallback), so the address rules hold for the first request, every redirect and every reconnection
/// alike. No proxy from the environment (the checks would then see only the proxy), no automatic redirects (each is
/// looked at by <see cref="HttpDownload"/>), no cookies, no decompression (the bytes on disk are the bytes served).
/// </summary>
public sealed class LinkHttpClient : IDisposable
{
    public LinkHttpClient(GuardedConnection guard)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            // A name's addresses are looked at again for every new connection, so pooled ones should not live long.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 64,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = await guard.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        Client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd("MediaBroker");
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
