using Microsoft.Extensions.Options;
using WebApp.Hosting;

namespace WebApp.Diagnostics;

/// <summary>The <c>Diagnostics</c> section: whether <c>/debug/loaders</c> exists, and for whom.</summary>
public sealed class DiagnosticsOptions
{
    public const string Section = "Diagnostics";

    /// <summary>Unset: on in Development, off elsewhere. Outside Development it also requires a local caller.</summary>
    public bool? Enabled { get; set; }

    /// <summary>CIDR networks whose clients may see diagnostics through a trusted proxy, e.g. <c>10.20.0.0/16</c>. None by default.</summary>
    public string[] AllowedNetworks { get; set; } = [];
}

/// <summary>Fails start on a network that does not parse, naming the setting and the value.</summary>
internal sealed class DiagnosticsOptionsValidator : IValidateOptions<DiagnosticsOptions>
{
    public ValidateOptionsResult Validate(string? name, DiagnosticsOptions options)
    {
        var invalid = AddressRanges.Invalid(options.AllowedNetworks).ToList();
        return invalid.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(invalid.Select(n => $"Diagnostics:AllowedNetworks: '{n}' is not a network in CIDR notation (e.g. 10.20.0.0/16)."));
    }
}
