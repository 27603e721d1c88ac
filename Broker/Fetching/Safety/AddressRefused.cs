using System.Net;

namespace MediaBroker.Broker.Fetching.Safety;

/// <summary>A connection the <see cref="AddressRules"/> refused before any packet was sent.</summary>
public sealed class AddressRefused(string host, IPAddress address, string reason)
    : Exception($"{host} resolves to {address}, {reason}; add it to url_allow_list to allow it")
{
    public string Host { get; } = host;
    public IPAddress Address { get; } = address;
    public string Reason { get; } = reason;

    /// <summary>The refusal as the user reads it, e.g. "the link resolves to 127.0.0.1, a loopback address; add it to url_allow_list to allow it".</summary>
    public string Explain(string subject) => $"{subject} resolves to {Address}, {Reason}; add it to url_allow_list to allow it";
}
