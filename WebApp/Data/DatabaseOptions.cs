namespace WebApp.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>What sits between the app and PostgreSQL (<c>Database:Pooler</c>).</summary>
public enum DatabasePooler
{
    /// <summary>Nothing: the app's connections are PostgreSQL's sessions.</summary>
    None,

    /// <summary>PgBouncer in transaction mode: no automatic preparation, no reset on close.</summary>
    PgBouncer,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply the provider's migrations at start (retried with backoff while the database is away).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// Fill an empty database with the deterministic demo data at start. Defaults to true in Development only
    /// (set in <see cref="DatabaseServiceCollectionExtensions.AddAppDatabase"/>): a production database never gets
    /// demo data, with its hostile test strings, unless an operator asks for it.
    /// </summary>
    public bool SeedOnStartup { get; set; }

    /// <summary>The first wait before retrying start-up work after the database failed; it doubles each time.</summary>
    public TimeSpan RetryFirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// EF Core's check that two threads never use one context at once (on by default, as in EF Core). Read when the
    /// services are built; off trades a check that can only fire on a bug for fewer allocations per row
    /// (ThreadSafetyChecksBenchmarks, docs/database.md).
    /// </summary>
    public bool ThreadSafetyChecks { get; set; } = true;

    /// <summary>A connection pooler in front of PostgreSQL, whose mode the connection string must suit.</summary>
    public DatabasePooler Pooler { get; set; }
}
