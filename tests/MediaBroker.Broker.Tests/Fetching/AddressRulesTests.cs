using System.Net;
using MediaBroker.Broker.Fetching.Safety;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>The address rules as a pure function: no address here is ever connected to.</summary>
public sealed class AddressRulesTests
{
    private static readonly AddressRules NoAllowList = new(UrlAllowList.Empty);

    [Theory]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("127.255.255.254", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("10.0.0.1", "a private address")]
    [InlineData("172.16.0.1", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("192.168.1.1", "a private address")]
    [InlineData("fc00::1", "a private address")]
    [InlineData("fd12:3456::1", "a private address")]
    [InlineData("fec0::1", "a private address")]
    [InlineData("169.254.1.1", "a link-local address")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("fe80::1%2", "a link-local address")]
    [InlineData("224.0.0.1", "a multicast address")]
    [InlineData("239.255.255.250", "a multicast address")]
    [InlineData("ff02::1", "a multicast address")]
    [InlineData("0.0.0.0", "an unspecified address")]
    [InlineData("::", "an unspecified address")]
    [InlineData("0.1.2.3", "a 'this network' address")]
    [InlineData("255.255.255.255", "a broadcast address")]
    [InlineData("100.64.0.1", "a shared (carrier-grade NAT) address")]
    [InlineData("100.127.255.254", "a shared (carrier-grade NAT) address")]
    [InlineData("240.0.0.1", "a reserved address")]
    [InlineData("192.0.0.8", "a reserved address")]
    [InlineData("192.0.2.10", "a documentation address")]
    [InlineData("2001:db8::1", "a documentation address")]
    [InlineData("198.18.0.1", "a benchmarking address")]
    [InlineData("100::1", "a discard-only address")]
    [InlineData("169.254.169.254", "a cloud metadata address")]
    [InlineData("169.254.170.2", "a cloud metadata address")]
    [InlineData("100.100.100.200", "a cloud metadata address")]
    [InlineData("168.63.129.16", "a cloud metadata address")]
    [InlineData("fd00:ec2::254", "a cloud metadata address")]
    [InlineData("::ffff:127.0.0.1", "a loopback address (127.0.0.1 inside ::ffff:127.0.0.1)")]
    [InlineData("::ffff:169.254.169.254", "a cloud metadata address")]
    [InlineData("::ffff:10.1.2.3", "a private address")]
    [InlineData("::127.0.0.1", "a loopback address (127.0.0.1 inside")]
    [InlineData("64:ff9b::a00:1", "a private address (10.0.0.1 inside")]
    [InlineData("64:ff9b::7f00:1", "a loopback address")]
    [InlineData("64:ff9b:1::1", "a private address")]
    [InlineData("2002:c0a8:0101::1", "a private address (192.168.1.1 inside")]
    [InlineData("2002:a9fe:a9fe::", "a cloud metadata address (169.254.169.254 inside")]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", "a loopback address (127.0.0.1 inside")]
    public void An_internal_address_is_refused_with_what_it_is(string address, string reason)
    {
        var refusal = NoAllowList.Refusal(IPAddress.Parse(address));
        Assert.NotNull(refusal);
        Assert.StartsWith(reason, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:0808:0808::1")]
    public void A_public_address_is_allowed(string address) =>
        Assert.Null(NoAllowList.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("127.0.0.0/8", "127.9.9.9", true)]
    [InlineData("10.0.0.0/8", "10.20.30.40", true)]
    [InlineData("10.0.0.0/8", "192.168.0.1", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "127.0.0.1", false)]
    [InlineData("127.0.0.1", "::1", false)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1", true)]
    [InlineData("fd00::/8", "fd00:ec2::254", true)]
    [InlineData("169.254.169.254", "169.254.169.254", true)]
    [InlineData("169.254.169.254", "169.254.169.253", false)]
    public void The_allow_list_opens_exactly_its_addresses_and_networks(string entry, string address, bool allowed)
    {
        var rules = new AddressRules(new UrlAllowList([entry]));
        Assert.Equal(allowed, rules.Refusal(IPAddress.Parse(address)) is null);
    }

    // Every spelling of an address becomes the same IPAddress before the rules see it: these go through System.Uri,
    // as a link does, and through the name resolution a fetch uses (which parses literals and never asks DNS for them).
    [Theory]
    [InlineData("http://2130706433/", "127.0.0.1")]
    [InlineData("http://0177.0.0.1/", "127.0.0.1")]
    [InlineData("http://0x7f.1/", "127.0.0.1")]
    [InlineData("http://0x7f000001/", "127.0.0.1")]
    [InlineData("http://127.1/", "127.0.0.1")]
    [InlineData("http://127.0.1/", "127.0.0.1")]
    [InlineData("http://[::1]/", "::1")]
    [InlineData("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[::ffff:7f00:1]/", "::ffff:127.0.0.1")]
    [InlineData("http://[0:0:0:0:0:0:0:1]/", "::1")]
    [InlineData("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254")]
    [InlineData("http://2852039166/", "169.254.169.254")]
    [InlineData("http://0/", "0.0.0.0")]
    [InlineData("http://012.1/", "10.0.0.1")]
    public async Task Every_spelling_of_an_internal_address_is_refused_as_that_address(string link, string meant)
    {
        var url = new Uri(link);
        var guard = new GuardedConnection(NoAllowList);
        var refused = await Assert.ThrowsAsync<AddressRefused>(() => guard.ResolveAsync(url.Host, CancellationToken.None));
        Assert.Equal(IPAddress.Parse(meant), refused.Address);
        Assert.Equal(NoAllowList.Refusal(IPAddress.Parse(meant)), refused.Reason);
    }

    [Fact]
    public async Task A_name_resolving_to_loopback_is_refused_unless_loopback_is_allowed()
    {
        var refused = await Assert.ThrowsAsync<AddressRefused>(() => new GuardedConnection(NoAllowList).ResolveAsync("localhost", CancellationToken.None));
        Assert.True(IPAddress.IsLoopback(refused.Address));
        Assert.Equal($"the link resolves to {refused.Address}, a loopback address; add it to url_allow_list to allow it", refused.Explain("the link"));

        var allowed = await new GuardedConnection(new AddressRules(new UrlAllowList(["127.0.0.0/8", "::1"]))).ResolveAsync("localhost", CancellationToken.None);
        Assert.NotEmpty(allowed);
        Assert.All(allowed, address => Assert.True(IPAddress.IsLoopback(address)));
    }

    [Theory]
    [InlineData("file:///etc/passwd", "file:///etc/passwd: only http and https links are fetched")]
    [InlineData("ftp://example.org/a.mp4", "ftp://example.org/a.mp4: only http and https links are fetched")]
    [InlineData("data:video/mp4;base64,AAAA", "data:video/mp4;base64,AAAA: only http and https links are fetched")]
    [InlineData("gopher://example.org/", "gopher://example.org/: only http and https links are fetched")]
    public void A_link_that_is_not_http_or_https_is_refused(string link, string message) =>
        Assert.Equal(message, LinkSchemes.Refusal(new Uri(link)));

    [Theory]
    [InlineData("http://example.org/a.mp4")]
    [InlineData("https://example.org/a.mp4")]
    [InlineData("HTTPS://EXAMPLE.ORG/a.mp4")]
    public void An_http_or_https_link_passes_the_scheme_check(string link) => Assert.Null(LinkSchemes.Refusal(new Uri(link)));

    [Fact]
    public void A_link_shown_in_a_message_loses_its_password() =>
        Assert.Equal("ftp://example.org/x", LinkSchemes.Shown(new Uri("ftp://user:secret@example.org/x")));
}
