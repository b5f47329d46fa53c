using System.Net;
using Microsoft.Extensions.Options;

namespace WebApp.Pages.Debug;

public sealed class DiagnosticsOptions
{
    public const string Section = "Diagnostics";

    /// <summary>Unset: on in Development, off elsewhere. Outside Development it also requires a loopback caller.</summary>
    public bool? Enabled { get; set; }
}

/// <summary>Who may see diagnostic pages. Anyone else gets a plain 404, as if they did not exist.</summary>
public sealed class DiagnosticsAccess(IOptions<DiagnosticsOptions> options, IHostEnvironment environment)
{
    public bool Allows(HttpContext context)
    {
        if (environment.IsDevelopment())
        {
            return options.Value.Enabled ?? true;
        }

        return options.Value.Enabled == true && IsLoopback(context.Connection.RemoteIpAddress);
    }

    // No address (a Unix socket behind a proxy, an in-memory test server) is not loopback: deny.
    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
