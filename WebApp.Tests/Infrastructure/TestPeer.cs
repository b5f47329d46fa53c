using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Plays the socket for the in-memory test server: the request's <see cref="PeerHeader"/> becomes the
/// connection's remote address before any of the app's middleware runs (the host's own forwarded-headers
/// filter included), and every response reports the scheme and client address the app ended up with
/// in <see cref="SeenHeader"/> ("https 198.51.100.1").
/// </summary>
public sealed class TestPeer : IStartupFilter
{
    public const string PeerHeader = "X-Test-Peer";
    public const string SeenHeader = "X-Test-Seen";

    /// <summary>Registers the filter first, so that it wraps every other startup filter.</summary>
    public static void Install(IServiceCollection services) =>
        services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new TestPeer()));

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.Remove(PeerHeader, out var peer))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
            }

            context.Response.OnStarting(() =>
            {
                context.Response.Headers[SeenHeader] = $"{context.Request.Scheme} {context.Connection.RemoteIpAddress}";
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };

    /// <summary>A GET from <paramref name="peer"/> with the given "Name: value" headers.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string url, string peer, params string[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation(PeerHeader, peer);
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }

        return request;
    }
}
