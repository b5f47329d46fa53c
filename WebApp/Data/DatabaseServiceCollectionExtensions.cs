using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace WebApp.Data;

public static class DatabaseServiceCollectionExtensions
{
    public const string DefaultSqliteConnectionString = "Data Source=App_Data/webapp.db";
    public const string ApplicationName = "WebApp";

    /// <summary>
    /// Registers a pooled <see cref="IDbContextFactory{AppDbContext}"/> for the configured provider:
    /// one short-lived context per concurrent loader, no tracking by default.
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton(DemoSeedOptions.Default);
        services.AddHostedService<DatabaseInitializer>();
        // In-memory cache for the few loaders whose value may be a little stale (DbLoaders.CachedQuery).
        services.AddHybridCache();

        var provider = configuration.GetValue(DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Provider), DatabaseProvider.Sqlite);
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = SqliteConnectionString(configuration.GetConnectionString("Sqlite"), environment.ContentRootPath);
                services.AddProviderFactory<SqliteAppDbContext>((options, interceptors) => options
                    .UseSqlite(sqlite)
                    .AddInterceptors(interceptors));
                break;
            case DatabaseProvider.Postgres:
                var deadline = configuration.GetValue("Loading:RequestTimeout", TimeSpan.FromSeconds(5));
                var postgres = PostgresConnectionString(configuration.GetConnectionString("Postgres"), deadline);
                services.AddProviderFactory<PostgresAppDbContext>((options, interceptors) => options
                    .UseNpgsql(postgres)
                    .AddInterceptors(interceptors));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
        }

        return services;
    }

    private static void AddProviderFactory<TContext>(this IServiceCollection services, Action<DbContextOptionsBuilder, IEnumerable<IInterceptor>> configure)
        where TContext : AppDbContext
    {
        // Interceptors registered in DI (the render guard, test-only fault injectors) join every context.
        services.AddPooledDbContextFactory<TContext>((sp, options) =>
        {
            configure(options, sp.GetServices<IInterceptor>());
            options.UseSnakeCaseNamingConvention()
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        });
        services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory<TContext>>();
    }

    internal static string SqliteConnectionString(string? configured, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? DefaultSqliteConnectionString : configured);
        if (builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.Combine(contentRoot, builder.DataSource);
        }

        if (builder.DataSource != ":memory:")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }

        return builder.ToString();
    }

    internal static string PostgresConnectionString(string? configured, TimeSpan deadline)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            throw new InvalidOperationException(
                "Database:Provider is Postgres but ConnectionStrings:Postgres is empty. " +
                "Set it, for example ConnectionStrings__Postgres='Host=localhost;Database=webapp;Username=webapp;Password=…'.");
        }

        var builder = new NpgsqlConnectionStringBuilder(configured);
        // Lets operators (and the leak checks) find this app's sessions in pg_stat_activity.
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ApplicationName;
        }

        // Every page query is the same few statements with new parameters: prepare them on each pooled
        // connection, so PostgreSQL parses and plans each once instead of on every request.
        var given = GivenKeywords(configured);
        if (!given.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = 20;
        }

        // The app never changes session state (no SET, temp tables or LISTEN), so a connection going back
        // to the pool needs no DISCARD ALL, which would also drop those prepared statements.
        if (!given.Contains("noresetonclose"))
        {
            builder.NoResetOnClose = true;
        }

        // A query must be cancelled by the page deadline (504), not by Npgsql's own timeout (500).
        if (builder.CommandTimeout != 0 && TimeSpan.FromSeconds(builder.CommandTimeout) <= deadline)
        {
            throw new InvalidOperationException(
                $"Command Timeout ({builder.CommandTimeout} s) in ConnectionStrings:Postgres must be above Loading:RequestTimeout ({deadline}).");
        }

        return builder.ConnectionString;
    }

    /// <summary>The keywords the operator wrote, lower case without spaces ("Max Auto Prepare" = "MaxAutoPrepare").</summary>
    private static HashSet<string> GivenKeywords(string connectionString)
    {
        var raw = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return raw.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
    }

    private sealed class AppDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDbContext>
        where TContext : AppDbContext
    {
        public AppDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
