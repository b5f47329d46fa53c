using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace WebApp.Hosting;

/// <summary>Registers the trusted proxies and puts their middleware first.</summary>
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
