using MediaBroker.Broker.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MediaBroker.Broker.Hosting;

/// <summary>Where Kestrel listens and the limits every request meets.</summary>
public static class KestrelSetup
{
    public static void Apply(KestrelServerOptions kestrel, BrokerSettings settings)
    {
        var address = settings.ListenAddress switch
        {
            "localhost" => System.Net.IPAddress.Loopback,
            "*" => System.Net.IPAddress.IPv6Any,
            var text => System.Net.IPAddress.Parse(text),
        };
        kestrel.Listen(address, settings.ListenOnPort);
        kestrel.AddServerHeader = false;
        // Uploads have their own idle timeout (stalled_request_timeout_seconds, see IdleTimeoutStream); Kestrel's rate
        // limit stays as the safety net for every other request.
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(settings.RequestHeadersTimeoutSeconds);
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.MaxRequestLineSize = 8 * 1024;
    }
}
