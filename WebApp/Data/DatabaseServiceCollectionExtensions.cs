using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace WebApp.Data;

public static class DatabaseServiceCollectionExtensions
{
    public const string DefaultSqliteConnectionString = "Data Source=App_Data/webapp.db";
    public const string ApplicationName = "WebApp";

    /// <summary>
    /// Connections each instance may hold on each PostgreSQL server (Npgsql's own default is 100). Measured with
    /// scripts/pool-sizes.sh (benchmarks/results/pool-sizes.json): past this size a 2-core server gets no more
    /// pages per second, only more backends contending. Budget rule, docs/database.md: instances x pool + the
    /// replica's and admins' sessions &lt;= max_connections.
    /// </summary>
    public const int DefaultMaxPoolSize = 8;

    /// <summary>
    /// Registers a pooled <see cref="IDbContextFactory{AppDbContext}"/> for the configured provider, the one page
    /// loaders read through (one short-lived context per concurrent loader, no tracking by default; a standby
    /// when the connection string names one), and a <see cref="PrimaryDbContextFactory"/> for everything that writes.
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        // The environment's default first, so that a configured value (bound next) wins.
        services.AddOptions<DatabaseOptions>()
            .Configure(o => o.SeedOnStartup = environment.IsDevelopment())
            .BindConfiguration(DatabaseOptions.Section)
            .Validate(o => o.RetryMaxDelay >= o.RetryFirstDelay && o.RetryFirstDelay > TimeSpan.Zero,
                "Database:RetryFirstDelay must be positive and at most Database:RetryMaxDelay.")
            .ValidateOnStart();
        services.AddSingleton(DemoSeedOptions.Default);
        services.AddSingleton<DatabaseState>();
        services.AddHostedService<DatabaseInitializer>();
        // In-memory cache for the few loaders whose value may be a little stale (DbLoaders.CachedQuery).
        services.AddMemoryCache();

        var provider = configuration.GetValue(DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Provider), DatabaseProvider.Sqlite);
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = SqliteConnectionString(configuration.GetConnectionString("Sqlite"), environment.ContentRootPath);
                services.AddSingleton<SqliteStatementGate>().AddSingleton<IInterceptor>(sp => sp.GetRequiredService<SqliteStatementGate>());
                services.AddProviderFactory<SqliteAppDbContext>(!environment.IsProduction(), (options, interceptors) => options
                    .UseSqlite(sqlite)
                    .ReplaceService<IExceptionDetector, SqliteCancellationDetector>()
                    .AddInterceptors(interceptors));
                // One file: reads and writes go to the same place.
                services.AddSingleton(sp => new PrimaryDbContextFactory(sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext));
                break;
            case DatabaseProvider.Postgres:
                var deadline = configuration.GetValue("Loading:RequestTimeout", TimeSpan.FromSeconds(5));
                var postgres = PostgresConnectionString(configuration.GetConnectionString("Postgres"), deadline);
                var reads = ForTarget(postgres, TargetSessionAttributes.PreferStandby);
                var writes = ForTarget(postgres, TargetSessionAttributes.Primary);
                services.AddSingleton(new PostgresHosts(reads, writes));
                // A read that fails on a dead pooled connection is tried once more by its loader (DbLoaders.RunAsync).
                services.AddProviderFactory<PostgresAppDbContext>(!environment.IsProduction(), (options, interceptors) => options
                    .UseNpgsql(reads)
                    .AddInterceptors(interceptors));
                services.AddSingleton(sp => PrimaryFactory(sp, writes));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
        }

        return services;
    }

    private static void AddProviderFactory<TContext>(this IServiceCollection services, bool threadSafetyChecks, Action<DbContextOptionsBuilder, IEnumerable<IInterceptor>> configure)
        where TContext : AppDbContext
    {
        // The loader's SQL tag first, so that every interceptor registered in DI after it (the render guard, the
        // SQLite gate, test-only fault injectors) sees the tagged statement.
        services.AddPooledDbContextFactory<TContext>((sp, options) =>
        {
            configure(options, [LoaderSqlTag.Instance, .. sp.GetServices<IInterceptor>()]);
            options.UseSnakeCaseNamingConvention()
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
                // EF Core's check that two threads never use one context at once costs two AsyncLocal writes (each
                // a copy of the request's execution context) per row read: a tenth of a profile's allocations. A
                // loader's context is its own (DbLoaders.RunAsync rents one per query), so in production the check
                // is off; in Development and in the tests it stays on, to catch a loader that shares one.
                .EnableThreadSafetyChecks(threadSafetyChecks);
        });
        services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory<TContext>>();
    }

    /// <summary>
    /// Contexts on the primary, without the readers' retrying strategy (seeding and migrations use transactions).
    /// Not pooled: writes are few (a page-view batch, a migration), and EF Core pools one options instance per
    /// context type, the readers' one. With several hosts both strings differ only in Target Session Attributes,
    /// which Npgsql leaves out of its pool key: both go through one multi-host data source (Npgsql's
    /// WithTargetSession), so each server sees one pool per instance; with one host they are the same string.
    /// </summary>
    private static PrimaryDbContextFactory PrimaryFactory(IServiceProvider sp, string writes)
    {
        var options = new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(writes)
            .AddInterceptors(sp.GetServices<IInterceptor>())
            .UseSnakeCaseNamingConvention()
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
            .Options;
        return new PrimaryDbContextFactory(() => new PostgresAppDbContext(options));
    }

    /// <summary>
    /// The connection string for one kind of session: with several hosts, Target Session Attributes picks the
    /// server (PreferStandby for page reads, Primary for writes), whatever the operator wrote; with one host,
    /// the string as it is (that server does both).
    /// </summary>
    internal static string ForTarget(string connectionString, TargetSessionAttributes target)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Host?.Contains(',', StringComparison.Ordinal) != true)
        {
            return connectionString;
        }

        builder.TargetSessionAttributes = target switch
        {
            TargetSessionAttributes.PreferStandby => "prefer-standby",
            TargetSessionAttributes.Primary => "primary",
            TargetSessionAttributes.Standby => "standby",
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Only primary, standby and prefer-standby are used."),
        };
        return builder.ConnectionString;
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

        // A budget, not Npgsql's default of 100 per host: see DefaultMaxPoolSize.
        if (!given.Contains("maximumpoolsize") && !given.Contains("maxpoolsize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        // A query must be cancelled by the page deadline (504), not by Npgsql's own timeout (500).
        if (builder.CommandTimeout != 0 && TimeSpan.FromSeconds(builder.CommandTimeout) <= deadline)
        {
            throw new InvalidOperationException(
                $"Command Timeout ({builder.CommandTimeout} s) in ConnectionStrings:Postgres must be above Loading:RequestTimeout ({deadline}).");
        }

        // Timeout is also how long a loader waits for a pooled connection when all are busy: that wait must end
        // at the page deadline (504), never in an error before it. Npgsql's default (15 s) is raised past a
        // longer deadline; an operator's shorter value is refused.
        var deadlineSeconds = (int)Math.Ceiling(deadline.TotalSeconds);
        if (!given.Contains("timeout") && builder.Timeout != 0 && builder.Timeout <= deadlineSeconds)
        {
            builder.Timeout = deadlineSeconds + 5;
        }
        else if (builder.Timeout != 0 && TimeSpan.FromSeconds(builder.Timeout) <= deadline)
        {
            throw new InvalidOperationException(
                $"Timeout ({builder.Timeout} s, also the wait for a pooled connection) in ConnectionStrings:Postgres must be above Loading:RequestTimeout ({deadline}).");
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
