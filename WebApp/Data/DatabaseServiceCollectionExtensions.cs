using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using WebApp.Loading;
using Upfront.EntityFrameworkCore;
using Upfront.EntityFrameworkCore.Npgsql;
using Upfront.EntityFrameworkCore.Sqlite;
using Upfront.Rendering;

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
    /// loaders read through (one short-lived context per concurrent loader, no tracking, statements tagged with their
    /// loader; a standby when the connection string names one), guarded while pages render, and a
    /// <see cref="PrimaryDbContextFactory"/> for everything that writes.
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
        // In-memory cache for the few loaders whose value may be a little stale (Pages/Shared/SiteCache).
        services.AddMemoryCache();

        var section = configuration.GetSection(DatabaseOptions.Section);
        var provider = section.GetValue(nameof(DatabaseOptions.Provider), DatabaseProvider.Sqlite);
        var threadSafetyChecks = section.GetValue(nameof(DatabaseOptions.ThreadSafetyChecks), true);
        var strategy = configuration.GetValue<LoadingStrategy?>("Loading:Strategy");
        var maxConcurrency = configuration.GetValue("Loading:MaxConcurrency", 0);
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = SqliteConnectionString(configuration.GetConnectionString("Sqlite"), environment.ContentRootPath);
                if (strategy == LoadingStrategy.Batch)
                {
                    throw new InvalidOperationException("Loading:Strategy=Batch needs Database:Provider=Postgres; SQLite loads Concurrent or Sequential.");
                }

                services.AddReaders<SqliteAppDbContext>(options => options.UseSqlite(sqlite), threadSafetyChecks);
                services.AddSqliteDeadlines<SqliteAppDbContext>();
                // One file: reads and writes go to the same place.
                services.AddSingleton(sp => new PrimaryDbContextFactory(sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext));
                break;
            case DatabaseProvider.Postgres:
                var deadline = configuration.GetValue("Loading:RequestTimeout", TimeSpan.FromSeconds(5));
                var postgres = PostgresConnectionString(configuration.GetConnectionString("Postgres"), deadline, section.GetValue(nameof(DatabaseOptions.Pooler), DatabasePooler.None));
                var reads = ForTarget(postgres, TargetSessionAttributes.PreferStandby);
                var writes = ForTarget(postgres, TargetSessionAttributes.Primary);
                services.AddSingleton(new PostgresHosts(reads, writes));
                // With several hosts page reads go to a standby, but the batch's connection reached the primary in
                // the fleet drills (scripts/fleet-drills.sh budget): until it keeps the routing, several hosts load
                // Concurrent by default and refuse an explicit Batch.
                var severalHosts = new NpgsqlConnectionStringBuilder(postgres).Host?.Contains(',', StringComparison.Ordinal) == true;
                if (severalHosts && strategy == LoadingStrategy.Batch)
                {
                    throw new InvalidOperationException("Loading:Strategy=Batch needs a single host in ConnectionStrings:Postgres; with a standby, pages load Concurrent.");
                }

                var batched = !severalHosts && PageLoadingOptions.Batches(strategy, maxConcurrency, postgres: true);
                services.AddReaders<PostgresAppDbContext>(options => options.UseNpgsql(reads).UsePositionalParameters(), threadSafetyChecks, batched);
                services.AddSingleton(sp => PrimaryFactory(sp, writes));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
        }

        return services;
    }

    private static void AddReaders<TContext>(this IServiceCollection services, Action<DbContextOptionsBuilder> provider, bool threadSafetyChecks, bool batched = false)
        where TContext : AppDbContext
    {
        services.AddPooledDbContextFactory<TContext>(options =>
        {
            // The SQL tag before the provider's rewrites, and the batch last: it sends statements as they were left.
            options.UseLoaderSqlTags();
            provider(options);
            if (batched)
            {
                options.UseBatchedLoaders();
            }

            options
                .UseSnakeCaseNamingConvention()
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
                // Database:ThreadSafetyChecks (docs/database.md): EF Core's check that no two threads use one context
                // at once. A loader's context is its own (group.Query rents one per query), so the check can only
                // fire on a bug; ThreadSafetyChecksBenchmarks measures what it costs a loader.
                .EnableThreadSafetyChecks(threadSafetyChecks);
        });
        services.AddRenderGuard().ForDbContext<TContext>();
        services.AddSingleton<IDbContextFactory<AppDbContext>, AppDbContextFactory<TContext>>();
    }

    /// <summary>
    /// Contexts on the primary: the readers' options (every <c>ConfigureDbContext</c> of the context type, so the same
    /// interceptors), on the primary's connection string. Not pooled: writes are few (a page-view batch, a migration),
    /// and EF Core pools one options instance per context type, the readers' one. With several hosts both strings
    /// differ only in Target Session Attributes, which Npgsql leaves out of its pool key: both go through one
    /// multi-host data source, so each server sees one pool per instance; with one host they are the same string.
    /// </summary>
    private static PrimaryDbContextFactory PrimaryFactory(IServiceProvider sp, string writes)
    {
        var builder = new DbContextOptionsBuilder<PostgresAppDbContext>();
        foreach (var configuration in sp.GetServices<IDbContextOptionsConfiguration<PostgresAppDbContext>>())
        {
            configuration.Configure(sp, builder);
        }

        var options = builder.UseNpgsql(writes).Options;
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

    internal static string PostgresConnectionString(string? configured, TimeSpan deadline, DatabasePooler pooler = DatabasePooler.None)
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
        // Behind PgBouncer in transaction mode (below 1.21, which cannot track prepared statements) a statement
        // prepared on one server connection is not there on the next: no automatic preparation at all.
        if (pooler == DatabasePooler.PgBouncer)
        {
            builder.MaxAutoPrepare = 0;
        }
        else if (!given.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = 20;
        }

        // The app never changes session state (no SET, temp tables or LISTEN), so a connection going back
        // to the pool needs no DISCARD ALL, which would also drop those prepared statements.
        // Behind a pooler in transaction mode it is required: the server connection belongs to another client by then.
        if (!given.Contains("noresetonclose") || pooler == DatabasePooler.PgBouncer)
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
