using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MediaBroker.Broker.Fetching.Safety;

namespace MediaBroker.Broker.Fetching.YtDlp;

/// <summary>
/// A loopback HTTP proxy that lives for one yt-dlp run and opens every one of its connections through
/// <see cref="GuardedConnection"/>. yt-dlp cannot be handed a connect callback, but it can be handed a proxy: with
/// <c>--proxy</c> pointing here, the page, each media URL it finds and every redirect it follows meet the same address
/// rules as a direct link. HTTPS arrives as CONNECT host:port (the TLS stays end to end, between yt-dlp and the site);
/// plain HTTP as an absolute-form request, forwarded with <c>Connection: close</c> so that one client connection
/// carries one request to one checked host.
/// </summary>
public sealed class GuardedProxy : IAsyncDisposable
{
    private const int MaxHeadBytes = 64 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly GuardedConnection _guard;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentQueue<AddressRefused> _refusals = new();
    private readonly Task _accepting;

    public GuardedProxy(GuardedConnection guard)
    {
        _guard = guard;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>What to pass as yt-dlp's <c>--proxy</c>.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The connections refused by the rules, first first: why yt-dlp failed, in the broker's words.</summary>
    public IReadOnlyCollection<AddressRefused> Refusals => _refusals;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                _connections.Add(ServeAsync(client));
            }
        }
        catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        Socket? server = null;
        try
        {
            using var headLimit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            headLimit.CancelAfter(HeadTimeout);
            var clientStream = new NetworkStream(client, ownsSocket: false);
            var (head, rest) = await ReadHeadAsync(clientStream, headLimit.Token);
            if (head is null) return;
            var lines = head.Split("\r\n");
            var parts = lines[0].Split(' ');
            if (parts.Length != 3)
            {
                await ReplyAsync(clientStream, "400 Bad Request");
                return;
            }
            var (method, target, version) = (parts[0], parts[1], parts[2]);
            var tunnel = method.Equals("CONNECT", StringComparison.OrdinalIgnoreCase);
            var url = Uri.TryCreate(tunnel ? $"https://{target}" : target, UriKind.Absolute, out var parsed) ? parsed : null;
            if (url is null || (!tunnel && url.Scheme != Uri.UriSchemeHttp))
            {
                await ReplyAsync(clientStream, "400 Bad Request");
                return;
            }

            try
            {
                server = await _guard.ConnectAsync(url.Host, url.Port, _stop.Token);
            }
            catch (AddressRefused refused)
            {
                _refusals.Enqueue(refused);
                await ReplyAsync(clientStream, "403 Forbidden");
                return;
            }
            catch (SocketException)
            {
                await ReplyAsync(clientStream, "502 Bad Gateway");
                return;
            }

            var serverStream = new NetworkStream(server, ownsSocket: false);
            if (tunnel) await ReplyAsync(clientStream, "200 Connection established");
            else await serverStream.WriteAsync(Encoding.Latin1.GetBytes(OriginForm(method, url, version, lines)), _stop.Token);
            if (rest.Length > 0) await serverStream.WriteAsync(rest, _stop.Token);

            // Either side closing ends the exchange: one request per connection, or one TLS session per tunnel.
            using var exchange = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = clientStream.CopyToAsync(serverStream, exchange.Token);
            var down = serverStream.CopyToAsync(clientStream, exchange.Token);
            await Task.WhenAny(up, down);
            await exchange.CancelAsync();
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            server?.Dispose();
        }
    }

    /// <summary>The request as the site should see it: origin-form, no proxy headers, one request on the connection.</summary>
    private static string OriginForm(string method, Uri url, string version, string[] lines)
    {
        var head = new StringBuilder($"{method} {url.PathAndQuery} {version}\r\n");
        foreach (var line in lines.Skip(1).Where(line => line.Length > 0))
        {
            var name = line.Split(':', 2)[0].Trim();
            if (name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)) continue;
            head.Append(line).Append("\r\n");
        }
        return head.Append("Connection: close\r\n\r\n").ToString();
    }

    /// <returns>The head without its closing blank line, and the bytes read past it; a null head when the client left or sent too much.</returns>
    private static async Task<(string? Head, byte[] Leftover)> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeadBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0) return (null, []);
            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (Encoding.Latin1.GetString(buffer, 0, end), buffer[(end + 4)..filled]);
        }
        return (null, []);
    }

    private Task ReplyAsync(Stream stream, string status) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
