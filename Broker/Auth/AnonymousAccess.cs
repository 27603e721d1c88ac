using System.Net;
using MediaBroker.Broker.Configuration;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// When a request without a token is served: only while no token exists, and only on a loopback address (where the
/// only caller is someone on this machine) or where the administrator said <c>--allow-anonymous</c>. Once a token
/// exists every request needs one.
/// </summary>
public sealed class AnonymousAccess(BrokerSettings settings, TokenRegistry tokens)
{
    public bool Allowed => tokens.IsEmpty && (ListensOnLoopbackOnly(settings) || settings.AllowAnonymous);

    public static bool ListensOnLoopbackOnly(BrokerSettings settings) =>
        settings.ListenAddress == "localhost" || IPAddress.TryParse(settings.ListenAddress, out var address) && IPAddress.IsLoopback(address);

    /// <summary>Refuses to start where anyone on the network could use the broker without a token.</summary>
    public string? StartProblem() =>
        tokens.IsEmpty && !ListensOnLoopbackOnly(settings) && !settings.AllowAnonymous
            ? $"listen_address {settings.ListenAddress} is reachable from other machines and no token exists; add one first with "
              + $"`media-broker token add NAME --data {settings.DataPath}` (or start with --allow-anonymous to let anyone in)"
            : null;

    /// <summary>One line for the start-up log: how requests are let in.</summary>
    public string Describe() => tokens.IsBroken
        ? "tokens.json cannot be read: every request is refused until it is fixed (see the error above)"
        : tokens.Count > 0
        ? $"every request needs a token ({tokens.Count} defined)"
        : ListensOnLoopbackOnly(settings) ? "no tokens: anonymous requests from this machine only (loopback)"
        : "NO TOKENS and --allow-anonymous: anyone who can reach this address can upload, download and delete";
}
