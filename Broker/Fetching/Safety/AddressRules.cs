using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MediaBroker.Broker.Fetching.Safety;

/// <summary>
/// Which addresses a fetched link may connect to: public ones, and those of <see cref="UrlAllowList"/>. Everything a
/// link could use to reach the broker's own machine, its network or its cloud's metadata service is refused: loopback,
/// private, link-local, shared (CGNAT), multicast, broadcast, unspecified and reserved ranges, and the metadata
/// addresses of the big clouds. An IPv6 address that carries an IPv4 address (mapped, compatible, NAT64, 6to4,
/// Teredo) is judged by that IPv4 address too, since that is where its packets end up.
/// </summary>
/// <remarks>
/// A pure function of the address: spellings (decimal, octal, hex, short forms, brackets, trailing dots) are gone
/// by the time an address is an <see cref="IPAddress"/>, which is why the check runs on the address being connected
/// to, never on the text of a link (see <see cref="GuardedConnection"/>).
/// </remarks>
public sealed class AddressRules(UrlAllowList allowList)
{
    private static readonly (IPNetwork Network, string Reason)[] RefusedV4 =
    [
        // Metadata first: they also lie in link-local or shared space, but their own name says more.
        (Net("169.254.169.254/32"), Metadata), (Net("169.254.169.253/32"), Metadata), (Net("169.254.170.2/32"), Metadata),
        (Net("169.254.170.23/32"), Metadata), (Net("100.100.100.200/32"), Metadata), (Net("168.63.129.16/32"), Metadata),
        (Net("192.0.0.192/32"), Metadata),
        (Net("0.0.0.0/32"), "an unspecified address"), (Net("0.0.0.0/8"), "a 'this network' address"),
        (Net("10.0.0.0/8"), Private), (Net("172.16.0.0/12"), Private), (Net("192.168.0.0/16"), Private),
        (Net("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
        (Net("127.0.0.0/8"), Loopback),
        (Net("169.254.0.0/16"), LinkLocal),
        (Net("192.0.0.0/24"), Reserved), (Net("192.88.99.0/24"), Reserved), (Net("240.0.0.0/4"), Reserved),
        (Net("192.0.2.0/24"), Documentation), (Net("198.51.100.0/24"), Documentation), (Net("203.0.113.0/24"), Documentation),
        (Net("198.18.0.0/15"), "a benchmarking address"),
        (Net("224.0.0.0/4"), Multicast),
    ];

    private static readonly (IPNetwork Network, string Reason)[] RefusedV6 =
    [
        (Net("fd00:ec2::254/128"), Metadata),
        (Net("::/128"), "an unspecified address"), (Net("::1/128"), Loopback),
        (Net("64:ff9b:1::/48"), Private), (Net("100::/64"), "a discard-only address"),
        (Net("2001:db8::/32"), Documentation), (Net("2001:2::/48"), "a benchmarking address"),
        (Net("2001:10::/28"), Reserved), (Net("2001:20::/28"), Reserved),
        (Net("fc00::/7"), Private), (Net("fec0::/10"), Private), (Net("fe80::/10"), LinkLocal), (Net("ff00::/8"), Multicast),
    ];

    private const string Loopback = "a loopback address";
    private const string Private = "a private address";
    private const string LinkLocal = "a link-local address";
    private const string Multicast = "a multicast address";
    private const string Metadata = "a cloud metadata address";
    private const string Reserved = "a reserved address";
    private const string Documentation = "a documentation address";

    /// <summary>Null when a link may connect to <paramref name="address"/>; otherwise what it is ("a loopback address").</summary>
    public string? Refusal(IPAddress address)
    {
        if (allowList.Contains(address)) return null;
        if (address.AddressFamily == AddressFamily.InterNetwork) return RefusalV4(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";

        if (EmbeddedIPv4(address) is { } embedded)
        {
            if (allowList.Contains(embedded)) return null;
            if (RefusalV4(embedded) is { } reason) return $"{reason} ({embedded} inside {address})";
        }
        var scopeless = new IPAddress(address.GetAddressBytes());
        foreach (var (network, reason) in RefusedV6)
            if (network.Contains(scopeless)) return reason;
        return null;
    }

    private static string? RefusalV4(IPAddress address)
    {
        if (address.Equals(IPAddress.Broadcast)) return "a broadcast address";
        foreach (var (network, reason) in RefusedV4)
            if (network.Contains(address)) return reason;
        return null;
    }

    /// <summary>The IPv4 address an IPv6 address carries and delivers to, if it is of a kind that does.</summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 16) return null;
        var high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var wordsFourToFive = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8));
        var last = bytes.AsSpan(12, 4).ToArray();

        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4(); // ::ffff:a.b.c.d
        // ::a.b.c.d, deprecated "IPv4-compatible"; :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1.
        if (high == 0 && wordsFourToFive == 0 && BinaryPrimitives.ReadUInt32BigEndian(last) > 1) return new IPAddress(last);
        if (high == 0x0064_ff9b_0000_0000 && wordsFourToFive == 0) return new IPAddress(last); // NAT64, 64:ff9b::/96
        if (bytes[0] == 0x20 && bytes[1] == 0x02) return new IPAddress(bytes.AsSpan(2, 4)); // 6to4, 2002:AABB:CCDD::/48
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes) == 0x2001_0000) // Teredo: the client's address, inverted
            return new IPAddress(last.Select(b => (byte)~b).ToArray());
        return null;
    }

    private static IPNetwork Net(string cidr) => IPNetwork.Parse(cidr);
}
