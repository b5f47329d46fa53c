using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WebApp.Data;

// Used by `dotnet ef migrations add` only; no database is needed to generate a migration.
// dotnet ef migrations add NAME --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite
// dotnet ef migrations add NAME --context PostgresAppDbContext --output-dir Data/Migrations/Postgres

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(DatabaseServiceCollectionExtensions.DefaultSqliteConnectionString)
            .UseSnakeCaseNamingConvention()
            .Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql("Host=localhost;Database=webapp_design")
            .UseSnakeCaseNamingConvention()
            .Options);
}
