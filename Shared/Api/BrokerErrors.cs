using System.Net;

namespace MediaBroker.Shared.Api;

/// <summary>No broker answered at that address (down, unreachable, or not a broker).</summary>
public sealed class BrokerUnavailableException(Uri broker, string reason, Exception? inner = null)
    : Exception($"no broker is answering at {broker} ({reason})", inner)
{
    public Uri Broker { get; } = broker;
    public string Reason { get; } = reason;
}

/// <summary>The broker answered with an error; <see cref="Detail"/> is its problem+json detail, meant for a person.</summary>
public sealed class BrokerRejectedException(HttpStatusCode status, string title, string detail)
    : Exception($"{(int)status} {title}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
    public string Title { get; } = title;
    public string Detail { get; } = detail;
}
