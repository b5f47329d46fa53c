using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace WebApp.Data;

/// <summary>
/// Applies migrations and seeds an empty database (each when configured), on the primary. The first attempt runs
/// before the server listens (<see cref="IHostedLifecycleService.StartingAsync"/> runs ahead of every hosted service,
/// Kestrel included), so a reachable database is ready before the first request. When that attempt fails the
/// process starts anyway (not ready, pages 503: <see cref="DatabaseState"/>) and retries in the background with
/// exponential backoff until it succeeds or the host stops: no crash loop while the database is away.
/// </summary>
internal sealed partial class DatabaseInitializer(
    PrimaryDbContextFactory factory,
    IOptions<DatabaseOptions> options,
    DemoSeedOptions seed,
    DatabaseState state,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _retrying = Task.CompletedTask;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.MigrateOnStartup && !settings.SeedOnStartup)
        {
            state.MarkInitialized();
            return;
        }

        if (!await TryInitializeAsync(1, cancellationToken))
        {
            // Owned by this service: cancelled and awaited when the host stops.
            _retrying = RetryAsync(_stopping.Token);
        }
    }

    private async Task RetryAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            for (var attempt = 2; ; attempt++)
            {
                await Task.Delay(Backoff.Delay(attempt - 1, settings.RetryFirstDelay, settings.RetryMaxDelay), time, cancellationToken);
                if (await TryInitializeAsync(attempt, cancellationToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping before the database came back.
        }
    }

    /// <summary>One attempt; a failure is logged once, as a warning with the wait before the next attempt.</summary>
    private async Task<bool> TryInitializeAsync(int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await InitializeAsync(options.Value, cancellationToken);
            state.MarkInitialized();
            if (attempt > 1)
            {
                LogRecovered(attempt);
            }

            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var settings = options.Value;
            var delay = Backoff.Delay(attempt, settings.RetryFirstDelay, settings.RetryMaxDelay);
            state.MarkPending($"Start-up work on the database failed (attempt {attempt}): {ex.GetType().Name}. Next attempt in {delay.TotalSeconds:F0} s.");
            LogAttemptFailed(ex, attempt, delay.TotalSeconds);
            return false;
        }
    }

    private async Task InitializeAsync(DatabaseOptions settings, CancellationToken cancellationToken)
    {
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

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _retrying.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated ({Provider}) in {ElapsedMs:F0} ms")]
    private partial void LogMigrated(DatabaseProvider provider, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Users} demo users in {ElapsedMs:F0} ms")]
    private partial void LogSeeded(int users, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up work on the database failed (attempt {Attempt}); not ready, retrying in {DelaySeconds:F0} s")]
    private partial void LogAttemptFailed(Exception exception, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up work on the database done at attempt {Attempt}; ready")]
    private partial void LogRecovered(int attempt);
}
