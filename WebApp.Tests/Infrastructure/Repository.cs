using System.Net;
using System.Net.Sockets;

namespace WebApp.Tests.Infrastructure;

/// <summary>Where the repository is (its scripts, the committed results, the Go peer) and a free loopback port.</summary>
public static class Repository
{
    /// <summary>The folder holding WebApp.sln, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WebApp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("WebApp.sln not found above " + AppContext.BaseDirectory);
    }
}
