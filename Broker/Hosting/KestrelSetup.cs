using MediaBroker.Broker.Api;
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
        // Past its own limits Kestrel answers before any middleware runs, with an empty body: these are outer bounds,
        // and the broker's stated limits (8 KiB line, 32 KiB of headers, 100 lines) come with problem+json from RequestLimits.
        kestrel.Limits.MaxRequestLineSize = RequestLimits.OuterRequestLineBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = RequestLimits.OuterHeaderBytes;
        kestrel.Limits.MaxRequestHeaderCount = RequestLimits.OuterHeaderLines;
    }
}
