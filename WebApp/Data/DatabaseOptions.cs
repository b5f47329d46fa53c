namespace WebApp.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply the provider's migrations at start.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Fill an empty database with the deterministic demo data at start.</summary>
    public bool SeedOnStartup { get; set; } = true;
}
