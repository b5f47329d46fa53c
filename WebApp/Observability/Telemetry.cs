using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WebApp.Loading;
using WebApp.Pages;
using WebApp.PageViews;

namespace WebApp.Observability;

/// <summary>
/// OpenTelemetry traces and metrics, exported by OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (the exporter also reads <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>). Unset, nothing is registered: no listener, so the app's activity sources
/// create no spans, and the meters stay readable by <c>dotnet-counters</c>.
/// </summary>
public static class Telemetry
{
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "WebApp";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[OtlpEndpoint]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME, when set, wins over this default; each instance gets its own service.instance.id.
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? ServiceName))
            .WithTracing(tracing => tracing
                // Probes and static files would drown the page traces.
                .AddAspNetCoreInstrumentation(o => o.Filter = http => IsTraced(http.Request.Path))
                .AddSource(LoadingServiceCollectionExtensions.TelemetryName)
                .AddSource("System.Net.Http") // the activity downstream, emitted by HttpClient itself
                .AddNpgsql()
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(LoadingServiceCollectionExtensions.TelemetryName, PagesServiceCollectionExtensions.RenderMeterName, PageViewMetrics.MeterName)
                .AddOtlpExporter());
        return services;
    }

    private static bool IsTraced(PathString path) =>
        !path.StartsWithSegments("/healthz") && !path.StartsWithSegments("/readyz")
        && !path.StartsWithSegments("/css") && !path.StartsWithSegments("/favicon.svg");
}
