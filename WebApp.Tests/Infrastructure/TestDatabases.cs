using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>A database of a test's own, holding the deterministic seed.</summary>
public sealed record TestDatabase(DatabaseProvider Provider, string ConnectionString)
{
    public AppDbContext CreateContext(params IInterceptor[] interceptors) => TestDatabases.CreateContext(Provider, ConnectionString, interceptors);
}

/// <summary>
/// Every test that needs data gets a fresh copy of one seeded template (a file copy for SQLite,
/// CREATE DATABASE … TEMPLATE for PostgreSQL): fast, and no test sees another test's leftovers.
/// </summary>
public static class TestDatabases
{
    private const string PostgresTemplate = "webapp_seeded_template";

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.Postgres];

    public static async Task<TestDatabase> CreateSeededAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => await CreateSqliteAsync(seeded: true),
        _ => await CreatePostgresAsync(seeded: true),
    };

    public static async Task<TestDatabase> CreateEmptyAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => await CreateSqliteAsync(seeded: false),
        _ => await CreatePostgresAsync(seeded: false),
    };

    /// <summary>A database that does not exist yet: a SQLite file not created, a PostgreSQL database not created.</summary>
    public static async Task<TestDatabase> CreateMissingAsync(DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            return await CreateSqliteAsync(seeded: false);
        }

        var server = await PostgresServer.GetAsync();
        server.RequireConnectionString();
        return new TestDatabase(DatabaseProvider.Postgres, server.ConnectionStringFor("webapp_test_" + Guid.NewGuid().ToString("N")[..12]));
    }

    public static AppDbContext CreateContext(DatabaseProvider provider, string connectionString, params IInterceptor[] interceptors) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(connectionString).UseSnakeCaseNamingConvention().AddInterceptors(interceptors).Options),
        _ => new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(connectionString).UseSnakeCaseNamingConvention().AddInterceptors(interceptors).Options),
    };

    private static Task<TestDatabase> CreateSqliteAsync(bool seeded)
    {
        var environment = TestEnvironment.Current;
        var file = Path.Combine(environment.NewFolder("sqlite-"), "webapp.db");
        if (seeded)
        {
            File.Copy(environment.SqliteTemplate, file);
        }

        return Task.FromResult(new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={file}"));
    }

    /// <summary>Migrates and seeds the SQLite template in <paramref name="folder"/> (once a run, by <see cref="TestEnvironment"/>).</summary>
    internal static async Task<string> CreateSqliteTemplateAsync(string folder)
    {
        var file = Path.Combine(folder, "template.db");
        await using (var db = CreateContext(DatabaseProvider.Sqlite, $"Data Source={file}"))
        {
            await db.Database.MigrateAsync();
            await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        return file;
    }

    private static async Task<TestDatabase> CreatePostgresAsync(bool seeded)
    {
        var environment = TestEnvironment.Current;
        var server = environment.Postgres;
        server.RequireConnectionString();
        var name = "webapp_test_" + Guid.NewGuid().ToString("N")[..12];
        await environment.PostgresCopies.WaitAsync();
        try
        {
            await ExecuteAsync(server, seeded ? $"CREATE DATABASE {name} TEMPLATE {PostgresTemplate}" : $"CREATE DATABASE {name}");
        }
        finally
        {
            environment.PostgresCopies.Release();
        }

        return new TestDatabase(DatabaseProvider.Postgres, server.ConnectionStringFor(name));
    }

    /// <summary>Migrates and seeds the PostgreSQL template (once a run, by <see cref="TestEnvironment"/>).</summary>
    internal static async Task CreatePostgresTemplateAsync(PostgresServer server)
    {
        await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {PostgresTemplate} WITH (FORCE)");
        await ExecuteAsync(server, $"CREATE DATABASE {PostgresTemplate}");
        await using (var db = CreateContext(DatabaseProvider.Postgres, server.ConnectionStringFor(PostgresTemplate)))
        {
            await db.Database.MigrateAsync();
            await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, CancellationToken.None);
        }

        // A template must have no open sessions while it is copied.
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.RequireConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
