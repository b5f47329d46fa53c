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
    private readonly string _standby = DatabaseServiceCollectionExtensions.ForTarget(hosts.Reads, TargetSessionAttributes.Standby);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        return await DatabaseProbe.RunAsync(
            async ct =>
            {
                await using var connection = new NpgsqlConnection(_standby);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                return await command.ExecuteScalarAsync(ct) is true
                    ? HealthCheckResult.Healthy("Page reads go to a standby.")
                    : HealthCheckResult.Degraded("The server chosen as standby is not in recovery; page reads go to the primary.");
            },
            failure => HealthCheckResult.Degraded(failure is null
                ? $"No standby answered within {DatabaseProbe.Timeout.TotalSeconds:F0} s; page reads go to the primary."
                : $"No standby answers ({failure}); page reads go to the primary."),
            cancellationToken);
    }
}
