using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A loopback port that refuses connections (nothing listens) until <see cref="Start"/>, then forwards each one to
/// a target port: a database that "appears" on an address the app already uses, without restarting the app.
/// </summary>
public sealed class TcpForwarder(int targetPort) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _pumps = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    /// <summary>A port that was free when this forwarder was made (bound, then released).</summary>
    public int Port { get; } = Ports.FreeLoopback();

    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                _pumps.Add(ForwardAsync(client, cancellationToken));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, targetPort, cancellationToken);
                var up = client.GetStream().CopyToAsync(server.GetStream(), cancellationToken);
                var down = server.GetStream().CopyToAsync(client.GetStream(), cancellationToken);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // One side hung up, or the forwarder stopped: both sockets close here.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        await _accepting;
        await Task.WhenAll(_pumps);
        _stop.Dispose();
    }
}
