using System.Net;
using Microsoft.Extensions.Options;

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
