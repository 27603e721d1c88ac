using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MediaBroker.Testing;

/// <summary>
/// HTTP/1.1 spelled out over a TcpClient, for what HttpClient will not send: a broken header line, a body that stops
/// half-way while the connection stays open. Loopback only, one request per connection.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
    }

    /// <summary>Sends <paramref name="request"/> byte for byte and reads the one answer, the connection held open meanwhile.</summary>
    public static async Task<Response> SendAsync(Uri broker, byte[] request)
    {
        using var limit = new CancellationTokenSource(Eventually.DefaultLimit);
        using var client = new TcpClient();
        await client.ConnectAsync(broker.Host, broker.Port, limit.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, limit.Token);
        await stream.FlushAsync(limit.Token);
        return await ReadResponseAsync(stream, limit.Token);
    }

    public static Task<Response> SendAsync(Uri broker, string head, byte[]? body = null) =>
        SendAsync(broker, [.. Encoding.ASCII.GetBytes(head), .. body ?? []]);

    private static async Task<Response> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var statusLine = await ReadLineAsync(stream, cancellationToken);
        var status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>();
        for (var line = await ReadLineAsync(stream, cancellationToken); line.Length > 0; line = await ReadLineAsync(stream, cancellationToken))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var body = new MemoryStream();
        if (headers.TryGetValue("content-length", out var length))
            await CopyExactlyAsync(stream, body, long.Parse(length, CultureInfo.InvariantCulture), cancellationToken);
        else if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
        {
            for (var size = await ChunkSizeAsync(stream, cancellationToken); size > 0; size = await ChunkSizeAsync(stream, cancellationToken))
            {
                await CopyExactlyAsync(stream, body, size, cancellationToken);
                await ReadLineAsync(stream, cancellationToken);
            }
            await ReadLineAsync(stream, cancellationToken);
        }
        else await stream.CopyToAsync(body, cancellationToken); // no length: the body ends with the connection
        return new Response(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static async Task<long> ChunkSizeAsync(Stream stream, CancellationToken cancellationToken) =>
        long.Parse((await ReadLineAsync(stream, cancellationToken)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static async Task CopyExactlyAsync(Stream from, Stream to, long count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), cancellationToken);
            if (read == 0) throw new EndOfStreamException($"the connection closed with {count} bytes of the body missing");
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            count -= read;
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0) throw new EndOfStreamException($"the connection closed in the middle of a line: {line}");
            if (one[0] == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)one[0]);
        }
    }
}
