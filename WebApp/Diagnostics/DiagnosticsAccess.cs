using System.Net;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using WebApp.Hosting;
using IPNetwork = System.Net.IPNetwork;

namespace WebApp.Diagnostics;

/// <summary>
/// Who may see diagnostic pages. Anyone else gets a plain 404, as if they did not exist. Outside
/// Development a caller is allowed when diagnostics are enabled and either the socket's peer is loopback
/// and the request carries no forwarding header (someone on the machine, no proxy in between), or the
/// peer is a trusted proxy that reports a client inside <c>Diagnostics:AllowedNetworks</c>.
/// </summary>
public sealed class DiagnosticsAccess
{
    private readonly DiagnosticsOptions _options;
    private readonly IHostEnvironment _environment;
    private readonly IPNetwork[] _allowed;

    public DiagnosticsAccess(IOptions<DiagnosticsOptions> options, IHostEnvironment environment)
    {
        _options = options.Value;
        _environment = environment;
        _allowed = [.. _options.AllowedNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
    }

    public bool Allows(HttpContext context)
    {
        if (_environment.IsDevelopment())
        {
            return _options.Enabled ?? true;
        }

        if (_options.Enabled != true || context.Features.Get<RequestOrigin>() is not { } origin)
        {
            return false;
        }

        // Through the proxy every visitor's socket is the proxy's: only the client it reports counts.
        if (origin.ViaTrustedProxy)
        {
            return AddressRanges.Contains(_allowed, origin.ReportedClient);
        }

        // A forwarding header from anyone else is a claim, never proof of being local.
        return !origin.CarriesForwardingHeaders && IsLoopback(origin.Peer);
    }

    /// <summary>Diagnostic pages are the pages under Pages/Debug.</summary>
    public static bool IsDiagnosticsEndpoint(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<PageActionDescriptor>()?.ViewEnginePath.StartsWith("/Debug/", StringComparison.OrdinalIgnoreCase) == true;

    // No address (a Unix socket behind a proxy, an in-memory test server) is not loopback: deny.
    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
