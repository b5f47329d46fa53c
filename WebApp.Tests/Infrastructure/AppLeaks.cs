using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Upfront.EntityFrameworkCore.Sqlite;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The test kit's leak check (<see cref="Upfront.Testing.LeakCheck"/>) for this app's hosts: besides the loaders, on
/// SQLite no connection still holds a slot of the statement gate, and on PostgreSQL no statement of the app is still
/// active in its database (<c>pg_stat_activity</c>, found by the app's Application Name).
/// </summary>
public static class AppLeaks
{
    public static Task AssertNoLeaksAsync(this WebAppFactory factory, RequestEndProbe? probe = null) =>
        LeakCheck.AssertNoLeaksAsync(factory.Services, probe, factory.Database.Provider == DatabaseProvider.Postgres
            ? () => ActiveQueriesAsync(new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString))
            : () => Task.FromResult<IReadOnlyList<string>>(factory.Services.GetRequiredService<SqliteStatementGate>().InUse is var held and > 0 ? [$"{held} SQLite connections hold a gate slot"] : []));

    /// <summary>The app's sessions (by Application Name) that are running a statement in this test's database.</summary>
    public static async Task<IReadOnlyList<string>> ActiveQueriesAsync(NpgsqlConnectionStringBuilder app)
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
