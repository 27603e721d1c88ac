using System.Net;
using System.Net.Sockets;

namespace MediaBroker.Broker.Fetching.Safety;

/// <summary>
/// The one way a fetch opens a connection: the name is resolved here, every address it resolves to is checked by
/// <see cref="AddressRules"/>, and the socket is connected to one of those very addresses. Checking and connecting
/// the same <see cref="IPAddress"/> leaves no gap between the two for a second DNS answer (rebinding) to slip into,
/// and makes every spelling of an address (2130706433, 0177.0.0.1, 0x7f.1, 127.1, [::ffff:127.0.0.1], "localhost.")
/// meet the rules as the address it really is.
/// </summary>
/// <remarks>
/// A name is refused when ANY of its addresses is refused, not merely skipped: a name that mixes a public address with
/// an internal one is either misconfigured or an attempt to make a retry land inside, and neither should be fetched.
/// </remarks>
public sealed class GuardedConnection(AddressRules rules)
{
    /// <exception cref="AddressRefused">An address the name resolves to is not allowed; nothing was sent.</exception>
    /// <exception cref="SocketException">The name does not resolve, or no address accepted the connection.</exception>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken);
        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return socket;
            }
            catch (SocketException error)
            {
                socket.Dispose();
                lastError = error;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw lastError ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>Every address of <paramref name="host"/>, each allowed by the rules.</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var addresses = IPAddress.TryParse(name, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(name, cancellationToken);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        foreach (var address in addresses)
            if (rules.Refusal(address) is { } reason)
                throw new AddressRefused(host, address, reason);
        return addresses;
    }
}
