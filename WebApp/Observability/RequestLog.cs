using Serilog;
using Serilog.Events;
using Upfront.Loading;
using WebApp.WarmUp;

namespace WebApp.Observability;

/// <summary>
/// Serilog, host-owned (not the static logger, so that several hosts can live in one test process), and its one request
/// log line per request, carrying the page's loaders (<c>Loaders</c>, <c>LoadMs</c>).
/// </summary>
public static class RequestLog
{
    public static IServiceCollection AddRequestLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSerilog((sp, logger) => logger
            .ReadFrom.Configuration(configuration)
            .ReadFrom.Services(sp)
            .Enrich.FromLogContext()
            .Enrich.With<ControlCharacterEscaper>(), preserveStaticLogger: true); // last: no visitor value starts a line
        services.AddLoadGroups().AddObserver<RequestPageLoad>();
        return services;
    }

    /// <summary>
    /// The request log line. Serilog's own levels, except: the instance's warm-up requests (a thousand at start) are
    /// Debug, and a 503 from <c>/readyz</c> (starting, warming up, database away) is an answer, not a failed request.
    /// </summary>
    public static IApplicationBuilder UseRequestLog(this WebApplication app)
    {
        var warmUp = app.Services.GetRequiredService<WarmUpRequests>();
        return app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.EnrichDiagnosticContext = Enrich;
            options.GetLevel = (context, _, exception) =>
                exception is null && context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && context.Request.Path == "/readyz" ? LogEventLevel.Warning
                : exception is not null || context.Response.StatusCode > 499 ? LogEventLevel.Error
                : warmUp.IsWarmUp(context.Request) ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
    }

    /// <summary>
    /// The request log line's loader properties. Serilog calls it only for a line it writes, so a filtered-out line
    /// costs no destructuring of the page's timings.
    /// </summary>
    public static void Enrich(IDiagnosticContext diagnostics, HttpContext context)
    {
        if (context.Features.Get<PageLoad>() is not { } load)
        {
            return;
        }

        diagnostics.Set("Loaders", load.Loaders.Select(l => new { l.Name, DurationMs = Math.Round(l.Duration.TotalMilliseconds, 2), Outcome = l.Outcome.Name() }), destructureObjects: true);
        diagnostics.Set("LoadMs", Math.Round(load.Duration.TotalMilliseconds, 2));
    }

    /// <summary>Keeps the request's page load on its features, where <see cref="Enrich"/> finds it.</summary>
    private sealed class RequestPageLoad(IHttpContextAccessor http) : ILoadGroupObserver
    {
        public void OnGroupCompleted(PageLoad load) => http.HttpContext?.Features.Set(load);
    }
}
