using System.Net;

namespace MediaBroker.Broker.Fetching.Safety;

/// <summary>
/// The addresses and networks of broker.json's url_allow_list: the only way a link may reach an address the
/// <see cref="AddressRules"/> keep out of reach (loopback, private, link-local, metadata...).
/// </summary>
public sealed class UrlAllowList
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    public UrlAllowList(IEnumerable<string> entries) =>
        _networks = entries.Select(entry => TryParse(entry, out var network)
            ? network
            : throw new ArgumentException($"url_allow_list: '{entry}' is not an IP address or network", nameof(entries))).ToList();

    public static UrlAllowList Empty { get; } = new([]);

    public bool Contains(IPAddress address) => _networks.Any(network => network.Contains(address));

    /// <summary>
    /// One entry: a network in CIDR form ("10.0.0.0/8", "fd00::/8") or one address ("127.0.0.1", "::1"). A single IPv4
    /// address must be written with its four parts: "127.1" or "2130706433" are too easily misread to be allowed here.
    /// An IPv4-mapped IPv6 address (::ffff:127.0.0.1) stands for its IPv4 address, as it does when connecting.
    /// </summary>
    public static bool TryParse(string? entry, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(entry)) return false;
        entry = entry.Trim();
        if (entry.Contains('/'))
        {
            // "10.0.0.1/8" is most likely a typo for one address or for 10.0.0.0/8; guessing either way would be wrong.
            return IPNetwork.TryParse(entry, out network)
                && IPAddress.TryParse(entry[..entry.IndexOf('/')], out var written) && written.Equals(network.BaseAddress);
        }
        if (!IPAddress.TryParse(entry, out var address)) return false;
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && entry.Count(c => c == '.') != 3) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
        return true;
    }
}
