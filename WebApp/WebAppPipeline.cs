using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using WebApp.Diagnostics;
using WebApp.Hosting;
using WebApp.Loading;
using WebApp.Observability;

namespace WebApp;

public static class WebAppPipeline
{
    /// <summary>The request pipeline, in order. Plain HTTP on purpose: TLS belongs to the proxy in front.</summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        // First: every response, error pages too, leaves in one piece when the request ends (a proxy can retry it).
        app.UseWholeResponses();
        // Before anything reads the scheme or the client address (HSTS, diagnostics, logs).
        app.UseTrustedProxies();
        // Next, so that every response gets the headers: error pages, static files, health checks.
        app.UseSecurityHeaders();
        app.UseRequestLog();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error");
        }

        app.UseStatusCodePagesWithReExecute("/error");
        app.UseRouting();
        // A hidden diagnostics page is 404 for every method; then pages answer GET and HEAD only (405).
        app.UseDiagnosticsGate();
        app.UseGetAndHeadOnlyPages();
        // After routing (it reads the endpoint's policy) and inside the exception handler, so that a
        // deadline becomes a 504 page. It does nothing while a debugger is attached.
        app.UseRequestTimeouts();
        app.UseDatabaseGate();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(ReadOnlyMethods.Metadata);
        app.MapHealthChecks("/readyz", Readiness.Options).WithMetadata(ReadOnlyMethods.Metadata);
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets().WithRequestTimeout(LoadingServiceCollectionExtensions.PagePolicy);

        return app;
    }
}
