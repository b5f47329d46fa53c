using System.Net;
using System.Net.Sockets;

namespace WebApp.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A loopback port nobody listens on now (the OS's next free one).</summary>
    public static int FreeLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
