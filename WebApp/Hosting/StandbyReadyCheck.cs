using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using WebApp.Data;

namespace WebApp.Hosting;

/// <summary>
/// Registered when the connection string names several hosts: Healthy when a standby answers, else Degraded
/// (still HTTP 200): page reads fall back to the primary, so a missing standby costs capacity, not readiness.
/// The connection goes through the same multi-host pools as the pages (Target Session Attributes is not part of
/// Npgsql's pool key), so the check adds no connections of its own.
/// </summary>
internal sealed class StandbyReadyCheck(PostgresHosts hosts) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly string _standby = DatabaseServiceCollectionExtensions.ForTarget(hosts.Reads, TargetSessionAttributes.Standby);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var connection = new NpgsqlConnection(_standby);
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
            return await command.ExecuteScalarAsync(timeout.Token) is true
                ? HealthCheckResult.Healthy("Page reads go to a standby.")
                : HealthCheckResult.Degraded("The server chosen as standby is not in recovery; page reads go to the primary.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"No standby answered within {Timeout.TotalSeconds:F0} s; page reads go to the primary.");
        }
        catch (NpgsqlException ex)
        {
            return HealthCheckResult.Degraded($"No standby answers ({ex.GetType().Name}); page reads go to the primary.");
        }
    }
}
