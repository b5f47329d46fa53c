using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

/// <summary>
/// Contexts on the primary server, for everything that writes: page views, migrations, seeding. Pages read through
/// <see cref="IDbContextFactory{AppDbContext}"/>, which prefers a standby when the connection string names one; with
/// one server (or SQLite) both give contexts on the same database.
/// </summary>
public sealed class PrimaryDbContextFactory(Func<AppDbContext> create) : IDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext() => create();
}

/// <summary>The two PostgreSQL connection strings in use: page reads (a standby preferred) and writes (the primary).</summary>
public sealed record PostgresHosts(string Reads, string Writes)
{
    /// <summary>True when the connection string names more than one host, so reads may go to a standby.</summary>
    public bool HasStandby => Reads != Writes;
}
