using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebApp.Data;

namespace WebApp.Hosting;

/// <summary>
/// Ready when the instance is not stopping, its start-up work on the database is done, and the primary answers
/// a trivial query within two seconds (a real round trip: a pooled connection to a restarted server looks open).
/// </summary>
internal sealed class DatabaseReadyCheck(PrimaryDbContextFactory factory, DatabaseState state, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // First: from the moment the host is told to stop, a balancer must send this instance nothing new.
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The instance is stopping.");
        }

        if (!state.Initialized)
        {
            return HealthCheckResult.Unhealthy(state.Pending);
        }

        return await DatabaseProbe.RunAsync(
            async ct =>
            {
                await using var db = factory.CreateDbContext();
                await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                return HealthCheckResult.Healthy();
            },
            failure => HealthCheckResult.Unhealthy(failure is null
                ? $"The database did not answer within {DatabaseProbe.Timeout.TotalSeconds:F0} s."
                : $"The database does not answer ({failure})."),
            cancellationToken);
    }
}
