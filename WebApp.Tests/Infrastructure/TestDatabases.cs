using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>A database of a test's own, holding the deterministic seed.</summary>
public sealed record TestDatabase(DatabaseProvider Provider, string ConnectionString)
{
    public AppDbContext CreateContext() => TestDatabases.CreateContext(Provider, ConnectionString);
}

/// <summary>
/// Every test that needs data gets a fresh copy of one seeded template (a file copy for SQLite,
/// CREATE DATABASE … TEMPLATE for PostgreSQL): fast, and no test sees another test's leftovers.
/// </summary>
public static class TestDatabases
{
    private const string PostgresTemplate = "webapp_seeded_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? s_sqliteTemplate;
    private static bool s_postgresTemplateReady;

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

    public static AppDbContext CreateContext(DatabaseProvider provider, string connectionString) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(connectionString).UseSnakeCaseNamingConvention().Options),
        _ => new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(connectionString).UseSnakeCaseNamingConvention().Options),
    };

    private static async Task<TestDatabase> CreateSqliteAsync(bool seeded)
    {
        var folder = TempFolder("webapp-sqlite-");
        var file = Path.Combine(folder, "webapp.db");
        if (seeded)
        {
            File.Copy(await SqliteTemplateAsync(), file);
        }

        return new TestDatabase(DatabaseProvider.Sqlite, $"Data Source={file}");
    }

    private static async Task<string> SqliteTemplateAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (s_sqliteTemplate is null)
            {
                var file = Path.Combine(TempFolder("webapp-sqlite-template-"), "template.db");
                await using (var db = CreateContext(DatabaseProvider.Sqlite, $"Data Source={file}"))
                {
                    await db.Database.MigrateAsync();
                    await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, CancellationToken.None);
                }

                SqliteConnection.ClearAllPools();
                s_sqliteTemplate = file;
            }

            return s_sqliteTemplate;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<TestDatabase> CreatePostgresAsync(bool seeded)
    {
        var server = await PostgresServer.GetAsync();
        server.RequireConnectionString();
        if (seeded)
        {
            await EnsurePostgresTemplateAsync(server);
        }

        var name = "webapp_test_" + Guid.NewGuid().ToString("N")[..12];
        await Gate.WaitAsync();
        try
        {
            // One copy at a time: PostgreSQL refuses to copy a template that another command is using.
            await ExecuteAsync(server, seeded ? $"CREATE DATABASE {name} TEMPLATE {PostgresTemplate}" : $"CREATE DATABASE {name}");
        }
        finally
        {
            Gate.Release();
        }

        return new TestDatabase(DatabaseProvider.Postgres, server.ConnectionStringFor(name));
    }

    private static async Task EnsurePostgresTemplateAsync(PostgresServer server)
    {
        await Gate.WaitAsync();
        try
        {
            if (s_postgresTemplateReady)
            {
                return;
            }

            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {PostgresTemplate} WITH (FORCE)");
            await ExecuteAsync(server, $"CREATE DATABASE {PostgresTemplate}");
            var connectionString = server.ConnectionStringFor(PostgresTemplate);
            await using (var db = CreateContext(DatabaseProvider.Postgres, connectionString))
            {
                await db.Database.MigrateAsync();
                await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, CancellationToken.None);
            }

            // A template must have no open sessions while it is copied.
            NpgsqlConnection.ClearAllPools();
            s_postgresTemplateReady = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string TempFolder(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit.
            }
        };
        return folder;
    }

    private static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.RequireConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
