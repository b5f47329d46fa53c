using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Serilog;

namespace WebApp.Hosting;

public static class WebAppPipelineExtensions
{
    /// <summary>The request pipeline, in order. Plain HTTP on purpose: TLS belongs to the proxy in front.</summary>
    public static WebApplication UseWebApp(this WebApplication app)
    {
        app.UseSerilogRequestLogging();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error");
        }

        app.UseStatusCodePagesWithReExecute("/error");
        app.UseRouting();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(DatabaseReadyCheck.Tag) });
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets();

        return app;
    }
}
