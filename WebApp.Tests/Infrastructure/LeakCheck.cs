using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using WebApp.Data;
using WebApp.Loading;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// In the spirit of Go's goleak, on both providers: no request ended while one of its loaders still ran (when the
/// host has a <see cref="RequestEndProbe"/>), no loader is still registered as running (within 1 s), and on
/// PostgreSQL no query from the app is still active (within 2 s).
/// </summary>
public static class LeakCheck
{
    public static async Task AssertNoLeaksAsync(WebAppFactory factory, RequestEndProbe? probe = null)
    {
        if (probe is not null)
        {
            var outlived = probe.Ended.Where(r => r.InFlight.Count > 0)
                .Select(r => $"{r.Url} answered {r.Status} while {string.Join(", ", r.InFlight.Select(l => $"{l.Page}/{l.Name}"))} still ran")
                .ToList();
            Assert.True(outlived.Count == 0, "Leak: a loader outlived its request: " + string.Join("; ", outlived));
        }

        var registry = factory.Services.GetRequiredService<InFlightRegistry>();
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(1), () => registry.Count == 0,
            () => "Leak: loaders still in flight: " + string.Join(", ", registry.Running.Select(l => $"{l.Page}/{l.Name}")));

        if (factory.Database.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        var connection = new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString);
        var active = new List<string>();
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(2), async () => (active = await ActiveQueriesAsync(connection)).Count == 0,
            () => "Leak: queries still active in PostgreSQL: " + string.Join(" | ", active));
    }

    /// <summary>The app's sessions (by Application Name) that are running a statement in this test's database.</summary>
    public static async Task<List<string>> ActiveQueriesAsync(NpgsqlConnectionStringBuilder app)
    {
        var admin = new NpgsqlConnectionStringBuilder(app.ConnectionString) { ApplicationName = "webapp-leak-check", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT left(query, 120) FROM pg_stat_activity WHERE datname = @db AND application_name = @app AND state <> 'idle' AND pid <> pg_backend_pid()",
            connection);
        command.Parameters.AddWithValue("db", app.Database!);
        command.Parameters.AddWithValue("app", DatabaseServiceCollectionExtensions.ApplicationName);
        var queries = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            queries.Add(reader.GetString(0));
        }

        return queries;
    }
}
