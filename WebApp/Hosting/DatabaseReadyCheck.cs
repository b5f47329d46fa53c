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
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

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

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var db = factory.CreateDbContext();
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The database did not answer within {Timeout.TotalSeconds:F0} s.");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The type only: a message may name hosts, and /readyz is not for visitors.
            return HealthCheckResult.Unhealthy($"The database does not answer ({ex.GetType().Name}).");
        }
    }
}
