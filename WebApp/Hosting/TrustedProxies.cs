using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using IPNetwork = System.Net.IPNetwork;

namespace WebApp.Hosting;

/// <summary>
/// Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) applied only from configured proxies, with
/// ASP.NET Core's own forwarded-headers middleware. Its loopback defaults are cleared, and with no proxy
/// configured it does not run at all (with empty lists it would trust every sender). The host's
/// ASPNETCORE_FORWARDEDHEADERS_ENABLED switch, which trusts every sender, is neutralised: its copy of the
/// middleware is left forwarding nothing, and a warning says so at start.
/// </summary>
public sealed class TrustedProxies
{
    /// <summary>The host's switch, as configuration sees ASPNETCORE_FORWARDEDHEADERS_ENABLED.</summary>
    public const string HostSwitch = "FORWARDEDHEADERS_ENABLED";

    private static readonly string[] ForwardingHeaders = ["Forwarded", "X-Real-IP"];
    private static readonly string[] ForwardingPrefixes = ["X-Forwarded-", "X-Original-"];

    private readonly List<IPAddress> _proxies;
    private readonly List<IPNetwork> _networks;

    public TrustedProxies(IOptions<ForwardedHeadersSettings> settings)
    {
        _proxies = [.. settings.Value.KnownProxies.Select(p => IPAddress.Parse(p.Trim()))];
        _networks = [.. settings.Value.KnownNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
        Options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        Options.KnownProxies.Clear();
        Options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list still holds the loopback default; cleared so no old code path trusts it
        Options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        _proxies.ForEach(Options.KnownProxies.Add);
        _networks.ForEach(Options.KnownIPNetworks.Add);
    }

    /// <summary>The options of the app's one forwarded-headers middleware.</summary>
    public ForwardedHeadersOptions Options { get; }

    public bool AnyConfigured => _proxies.Count > 0 || _networks.Count > 0;

    public bool Trusts(IPAddress? peer) =>
        peer is not null && (_proxies.Any(p => p.Equals(peer)) || _networks.Any(n => n.Contains(peer)));

    internal static bool CarriesForwardingHeaders(IHeaderDictionary headers) =>
        headers.Keys.Any(name => ForwardingHeaders.Contains(name, StringComparer.OrdinalIgnoreCase)
            || ForwardingPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)));

    internal static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}

/// <summary>Records the <see cref="RequestOrigin"/>, then applies forwarded headers from trusted proxies.</summary>
internal sealed class TrustedProxyMiddleware
{
    private readonly RequestDelegate _next;
    private readonly TrustedProxies _proxies;
    private readonly ForwardedHeadersMiddleware? _forwarder;

    public TrustedProxyMiddleware(RequestDelegate next, TrustedProxies proxies, ILoggerFactory loggerFactory)
    {
        _next = next;
        _proxies = proxies;
        _forwarder = proxies.AnyConfigured
            ? new ForwardedHeadersMiddleware(next, loggerFactory, Microsoft.Extensions.Options.Options.Create(proxies.Options))
            : null;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var peer = TrustedProxies.Normalize(context.Connection.RemoteIpAddress);
        var carries = TrustedProxies.CarriesForwardingHeaders(context.Request.Headers);
        var viaProxy = _proxies.Trusts(peer);
        IPAddress? reported = null;
        if (viaProxy && _forwarder is not null)
        {
            var forwardedFor = context.Request.Headers[_proxies.Options.ForwardedForHeaderName];
            _forwarder.ApplyForwarders(context);
            // The middleware consumes the entry it applies, so a changed header means the client was taken from it.
            if (!StringValues.Equals(forwardedFor, context.Request.Headers[_proxies.Options.ForwardedForHeaderName]))
            {
                reported = TrustedProxies.Normalize(context.Connection.RemoteIpAddress);
            }
        }

        context.Features.Set(new RequestOrigin(peer, viaProxy, carries, reported));
        return _next(context);
    }
}
