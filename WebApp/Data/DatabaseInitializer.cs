using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace WebApp.Data;

/// <summary>
/// Applies migrations and seeds an empty database before the server starts listening
/// (<see cref="IHostedLifecycleService.StartingAsync"/> runs ahead of every hosted service, Kestrel included).
/// </summary>
internal sealed partial class DatabaseInitializer(
    IDbContextFactory<AppDbContext> factory,
    IOptions<DatabaseOptions> options,
    DemoSeedOptions seed,
    ILogger<DatabaseInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var db = factory.CreateDbContext();
        if (settings.MigrateOnStartup)
        {
            var started = Stopwatch.GetTimestamp();
            await DatabaseMigrations.MigrateAsync(db, cancellationToken);
            if (db.Database.IsSqlite())
            {
                // Readers and the view writer work side by side in WAL mode; the setting persists in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }

            LogMigrated(settings.Provider, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        if (settings.SeedOnStartup)
        {
            var started = Stopwatch.GetTimestamp();
            var inserted = await SeedIfEmptyAsync(db, seed, cancellationToken);
            if (inserted > 0)
            {
                LogSeeded(inserted, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>Inserts the demo data when the database has no users; returns the users inserted.</summary>
    public static async Task<int> SeedIfEmptyAsync(AppDbContext db, DemoSeedOptions options, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return 0;
        }

        var data = DemoSeed.Generate(options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await InsertAsync(db, data.Users, cancellationToken);
        await InsertAsync(db, data.Posts, cancellationToken);
        await InsertAsync(db, data.Follows, cancellationToken);
        await InsertAsync(db, data.Views, cancellationToken);
        await InsertAsync(db, data.Settings, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return data.Users.Count;
    }

    private static async Task InsertAsync<T>(AppDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        foreach (var chunk in rows.Chunk(2000))
        {
            db.AddRange(chunk);
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated ({Provider}) in {ElapsedMs:F0} ms")]
    private partial void LogMigrated(DatabaseProvider provider, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Users} demo users in {ElapsedMs:F0} ms")]
    private partial void LogSeeded(int users, double elapsedMs);
}
