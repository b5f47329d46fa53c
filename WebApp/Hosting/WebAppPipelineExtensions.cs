using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Serilog;
using WebApp.Loading;
using WebApp.Pages.Debug;

namespace WebApp.Hosting;

public static class WebAppPipelineExtensions
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
        // The host's logger, not the static bootstrap one: one request log line, with the loaders' timings.
        var warmUp = app.Services.GetRequiredService<WarmUp>();
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.EnrichDiagnosticContext = RequestLoadTimings.Enrich;
            // Serilog's own levels, except: the instance's warm-up requests (a thousand at start) are Debug, and a 503
            // from /readyz (starting, warming up, database away) is an answer, not a failure of the request.
            options.GetLevel = (context, _, exception) =>
                exception is null && context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && context.Request.Path == "/readyz" ? Serilog.Events.LogEventLevel.Warning
                : exception is not null || context.Response.StatusCode > 499 ? Serilog.Events.LogEventLevel.Error
                : warmUp.IsWarmUp(context.Request) ? Serilog.Events.LogEventLevel.Debug
                : Serilog.Events.LogEventLevel.Information;
        });
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
