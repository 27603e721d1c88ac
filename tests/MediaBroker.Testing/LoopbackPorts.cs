using System.Net;
using System.Net.Sockets;

namespace MediaBroker.Testing;

/// <summary>Ports for programs a test starts with a port of its own (scripts/run, installed services, a broker restarted on the same port).</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 a moment ago: the system's pick, so tests running side by side do not collide.</summary>
    public static int Free() => Free(1)[0];

    /// <summary><paramref name="count"/> different free ports: all held open together while they are picked.</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(listener => listener.Start());
        var ports = listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        listeners.ForEach(listener => listener.Stop());
        return ports;
    }
}
