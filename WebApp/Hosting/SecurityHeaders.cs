namespace WebApp.Hosting;

/// <summary>
/// The response headers every response carries, error pages and static files included. The site runs
/// no script and links no other origin, so the Content-Security-Policy can allow only its own files:
/// no inline script, no inline style (not even a style attribute), no plugins, no framing.
/// </summary>
public static class SecurityHeaders
{
    private const int HstsMaxAgeSeconds = 365 * 24 * 60 * 60;

    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSecurityHeaderPolicies().SetDefaultPolicy(policies =>
        {
            policies
                .AddFrameOptionsDeny()
                .AddContentTypeOptionsNoSniff()
                .AddReferrerPolicyStrictOriginWhenCrossOrigin()
                .AddCrossOriginOpenerPolicy(b => b.SameOrigin())
                .AddCrossOriginEmbedderPolicy(b => b.RequireCorp())
                .AddCrossOriginResourcePolicy(b => b.SameOrigin())
                // Named one by one: the library's default list has features Chromium warns about in the console.
                .AddPermissionsPolicy(p =>
                {
                    p.AddAccelerometer().None();
                    p.AddCamera().None();
                    p.AddDisplayCapture().None();
                    p.AddGeolocation().None();
                    p.AddGyroscope().None();
                    p.AddMagnetometer().None();
                    p.AddMicrophone().None();
                    p.AddMidi().None();
                    p.AddPayment().None();
                    p.AddUsb().None();
                })
                .RemoveServerHeader()
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().Self();
                    // No page runs script; 'none' rather than 'self' so a stray file cannot either.
                    csp.AddScriptSrc().None();
                    csp.AddStyleSrc().Self();
                    csp.AddImgSrc().Self();
                    csp.AddObjectSrc().None();
                    csp.AddFrameAncestors().None();
                    csp.AddBaseUri().Self();
                    csp.AddFormAction().Self();
                });

            // Outside Development (a developer's browser must not pin localhost); the middleware sends it only
            // on requests the app sees as HTTPS, which behind a proxy means X-Forwarded-Proto from a trusted one.
            if (!environment.IsDevelopment())
            {
                policies.AddStrictTransportSecurityMaxAgeIncludeSubDomains(HstsMaxAgeSeconds);
            }
        });
        return services;
    }
}
