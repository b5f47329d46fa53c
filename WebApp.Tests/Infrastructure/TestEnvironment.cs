using Microsoft.Data.Sqlite;
using Npgsql;
using WebApp.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(TestEnvironment))]

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The run's shared resources, an xunit v3 assembly fixture: started once before the first test and stopped after the
/// last, by xunit. It owns the PostgreSQL server, the seeded templates every test database is copied from, the
/// read-only sites and one temporary folder that holds every SQLite file; <see cref="PostgresServer"/>,
/// <see cref="TestDatabases"/> and <see cref="Sites"/> hand them out.
/// </summary>
public sealed class TestEnvironment : IAsyncLifetime
{
    private static TestEnvironment? s_current;

    public static TestEnvironment Current => s_current ?? throw new InvalidOperationException("The TestEnvironment assembly fixture has not started.");

    /// <summary>Every SQLite database of the run lives under it; it is removed at the end.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("webapp-tests-").FullName;

    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>The seeded SQLite file each seeded SQLite test database is a copy of.</summary>
    public string SqliteTemplate { get; private set; } = "";

    /// <summary>One CREATE DATABASE at a time: PostgreSQL refuses to copy a template that another command is using.</summary>
    public SemaphoreSlim PostgresCopies { get; } = new(1, 1);

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        SqliteTemplate = await TestDatabases.CreateSqliteTemplateAsync(NewFolder("template-"));
        if (Postgres.AdminConnectionString is not null)
        {
            await TestDatabases.CreatePostgresTemplateAsync(Postgres);
        }
        s_current = this;
    }

    public async ValueTask DisposeAsync()
    {
        await Sites.StopAsync();
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file a stray process still holds: the folder is under the temp directory.
        }

        PostgresCopies.Dispose();
        s_current = null;
    }

    /// <summary>A new empty folder under <see cref="Folder"/>.</summary>
    public string NewFolder(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Folder, prefix + Guid.NewGuid().ToString("N")[..12])).FullName;
}
