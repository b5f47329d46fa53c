using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using IPNetwork = System.Net.IPNetwork;

namespace WebApp.Hosting;

/// <summary>Bound from <c>ForwardedHeaders</c>: the proxies whose forwarded headers the app believes. None by default.</summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>127.0.0.1</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>
/// What the connection said about a request, kept before any forwarded header changed it. A peer that
/// is a configured proxy reports the client it saw (X-Forwarded-For); anyone else is the client.
/// </summary>
/// <param name="Peer">The socket's remote address (IPv4-mapped addresses as IPv4).</param>
/// <param name="ViaTrustedProxy">The peer is a configured proxy.</param>
/// <param name="CarriesForwardingHeaders">The request arrived with any Forwarded, X-Forwarded-*, X-Original-* or X-Real-IP header.</param>
/// <param name="ReportedClient">The client address a trusted proxy reported and the app applied; null otherwise.</param>
public sealed record RequestOrigin(IPAddress? Peer, bool ViaTrustedProxy, bool CarriesForwardingHeaders, IPAddress? ReportedClient);

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

public static class TrustedProxiesExtensions
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidator>();
        services.AddSingleton<TrustedProxies>();
        // The options the host's ASPNETCORE_FORWARDEDHEADERS_ENABLED middleware reads: forward nothing.
        services.PostConfigure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.None);
        return services;
    }

    /// <summary>First in the pipeline: everything after it sees the client's scheme and address.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        if (string.Equals(app.Configuration[TrustedProxies.HostSwitch], "true", StringComparison.OrdinalIgnoreCase))
        {
            app.Logger.LogWarning(
                "ASPNETCORE_FORWARDEDHEADERS_ENABLED is ignored: it would trust forwarded headers from anyone. "
                + "Forwarded headers are trusted only from ForwardedHeaders:KnownProxies and ForwardedHeaders:KnownNetworks ({Count} configured).",
                app.Services.GetRequiredService<TrustedProxies>().Options.KnownProxies.Count
                + app.Services.GetRequiredService<TrustedProxies>().Options.KnownIPNetworks.Count);
        }

        app.UseMiddleware<TrustedProxyMiddleware>();
        return app;
    }
}

/// <summary>Fails start on an address or network that does not parse, naming the setting and the value.</summary>
internal sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var errors = new List<string>();
        errors.AddRange(options.KnownProxies.Where(p => !IPAddress.TryParse(p.Trim(), out _))
            .Select(p => $"ForwardedHeaders:KnownProxies: '{p}' is not an IP address."));
        errors.AddRange(AddressRanges.Invalid(options.KnownNetworks)
            .Select(n => $"ForwardedHeaders:KnownNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>CIDR networks from configuration.</summary>
internal static class AddressRanges
{
    /// <summary>The values that are not networks in CIDR notation (a bare address is refused, to keep the intent explicit).</summary>
    public static IEnumerable<string> Invalid(IEnumerable<string> values) =>
        values.Where(v => !v.Contains('/', StringComparison.Ordinal) || !IPNetwork.TryParse(v.Trim(), out _));

    public static bool Contains(IEnumerable<IPNetwork> networks, IPAddress? address) =>
        TrustedProxies.Normalize(address) is { } a && networks.Any(n => n.Contains(a));
}
