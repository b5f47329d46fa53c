using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebApp.Data;

namespace WebApp.Hosting;

/// <summary>
/// <c>/readyz</c>: one entry for the primary (<see cref="DatabaseReadyCheck"/>: 503 when it fails) and, when the
/// connection string names standbys, one for them (<see cref="StandbyReadyCheck"/>: at worst Degraded, still 200).
/// The body lists each entry, so an operator sees which part is down.
/// </summary>
public static class Readiness
{
    public const string Tag = "ready";
    public const string Primary = "database-primary";
    public const string Standby = "database-standby";

    public static IServiceCollection AddReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>(Primary, tags: [Tag]);
        // Known only once the connection string is parsed (AddAppDatabase), hence added when options are built.
        services.AddOptions<HealthCheckServiceOptions>().Configure<IServiceProvider>((options, sp) =>
        {
            if (sp.GetService<PostgresHosts>() is { HasStandby: true })
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    Standby, s => ActivatorUtilities.CreateInstance<StandbyReadyCheck>(s), HealthStatus.Degraded, [Tag]));
            }
        });
        return services;
    }

    public static HealthCheckOptions Options { get; } = new()
    {
        Predicate = check => check.Tags.Contains(Tag),
        ResponseWriter = WriteAsync,
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            entries = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
