using System.Net;
using IPNetwork = System.Net.IPNetwork;

namespace WebApp.Hosting;

/// <summary>CIDR networks from configuration.</summary>
internal static class AddressRanges
{
    /// <summary>The values that are not networks in CIDR notation (a bare address is refused, to keep the intent explicit).</summary>
    public static IEnumerable<string> Invalid(IEnumerable<string> values) =>
        values.Where(v => !v.Contains('/', StringComparison.Ordinal) || !IPNetwork.TryParse(v.Trim(), out _));

    public static bool Contains(IEnumerable<IPNetwork> networks, IPAddress? address) =>
        TrustedProxies.Normalize(address) is { } a && networks.Any(n => n.Contains(a));
}
