using System.Net;
using System.Net.Sockets;

namespace MediaBroker.Testing;

/// <summary>
/// A loopback TCP proxy in front of a server that behaves like a poor link: once a connection has carried
/// <see cref="CutAfterBytes"/> in the chosen direction it is reset (<see cref="Cuts"/> times, then it forwards
/// faithfully), and with <see cref="BytesPerSecond"/> it is slow, so that a transfer can be caught in the middle.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _cutsLeft;

    public CuttingProxy(Uri target, long cutAfterBytes, int cuts = 1, bool cutUploads = true)
    {
        _target = target;
        CutAfterBytes = cutAfterBytes;
        CutUploads = cutUploads;
        _cutsLeft = cuts;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public long CutAfterBytes { get; }
    /// <summary>A limit on each connection and direction; 0 for none.</summary>
    public long BytesPerSecond { get; init; }
    /// <summary>True: count bytes sent to the server (an upload); false: bytes coming back (a download).</summary>
    public bool CutUploads { get; }
    /// <summary>True: a cut is a reset, which may drop bytes still in flight; false: a close (FIN) after every byte sent before it.</summary>
    public bool Reset { get; init; } = true;
    public int Cuts => _cutsLeft;
    public int CutsMade { get; private set; }
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                var cut = TakeCut();
                using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), cut && CutUploads, connection);
                var down = PumpAsync(server.GetStream(), client.GetStream(), cut && !CutUploads, connection);
                await Task.WhenAny(up, down);
                await connection.CancelAsync();
                if (cut && (up.IsCompletedSuccessfully && up.Result || down.IsCompletedSuccessfully && down.Result))
                {
                    if (Reset)
                    {
                        client.Client.LingerState = new LingerOption(true, 0); // a reset, not a polite close
                        server.Client.LingerState = new LingerOption(true, 0);
                    }
                    CutsMade++;
                }
                else if (cut) GiveBackCut(); // this connection ended before carrying enough to be cut
            }
            catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    private readonly Lock _cutsGate = new();

    private bool TakeCut()
    {
        lock (_cutsGate)
        {
            if (_cutsLeft == 0) return false;
            _cutsLeft--;
            return true;
        }
    }

    private void GiveBackCut()
    {
        lock (_cutsGate) _cutsLeft++;
    }

    /// <returns>True when this pump cut the connection.</returns>
    private async Task<bool> PumpAsync(Stream from, Stream to, bool cutting, CancellationTokenSource connection)
    {
        var buffer = new byte[BytesPerSecond > 0 ? 16 * 1024 : 64 * 1024];
        long carried = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (true)
            {
                if (BytesPerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds((double)carried / BytesPerSecond) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, connection.Token);
                }
                var read = await from.ReadAsync(buffer, connection.Token);
                if (read == 0) return false;
                if (cutting && carried + read >= CutAfterBytes)
                {
                    await to.WriteAsync(buffer.AsMemory(0, (int)Math.Max(0, CutAfterBytes - carried)), connection.Token);
                    return true;
                }
                await to.WriteAsync(buffer.AsMemory(0, read), connection.Token);
                carried += read;
            }
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (Exception) { }
        _stop.Dispose();
    }
}
