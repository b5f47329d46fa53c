using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.PageViews;

/// <summary>
/// Owns the page-view queue: reads it in batches, sums each batch per user and day, and adds it to
/// <c>user_daily_views</c> with one upsert on a context of its own, on the primary. A failed write is retried with
/// backoff; rows the database refuses are isolated and given up, so they cannot hold up the others. On stop it
/// takes no more views and drains the queue within the host's shutdown timeout;
/// past that, it gives up and logs how many views were lost.
/// </summary>
public sealed partial class PageViewWriter(
    PageViewRecorder recorder,
    PrimaryDbContextFactory contexts,
    IOptions<PageViewOptions> options,
    TimeProvider time,
    PageViewMetrics metrics,
    ILogger<PageViewWriter> logger) : BackgroundService
{
    /// <summary>The SQL comment the upsert starts with, to find it in logs, pg_stat_activity and interceptors.</summary>
    public const string Tag = "page_views.flush";

    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private long _written;
    private long _lost;
    private long _inHand; // views of the batch being written, not yet written or refused

    /// <summary>Views stored since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Views given up on: refused by the database (a row it can never take), or left at shutdown.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>
    /// Closes the queue, then waits for the loop to drain it until the host's shutdown timeout
    /// (<paramref name="cancellationToken"/>); only then is the loop's own token cancelled.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        recorder.Complete();
        if (ExecuteTask is { } running)
        {
            try
            {
                await running.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Out of shutdown time: base.StopAsync cancels the loop, which counts and logs the loss.
            }
        }

        await base.StopAsync(cancellationToken);
        if (ExecuteTask is { } abandoned)
        {
            // base.StopAsync returns at once when the host's time is up; the loop honours its token at
            // every await, so it ends promptly, and the loss is logged before the host goes on.
            await abandoned.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <param name="stoppingToken">Cancelled only when the host's shutdown timeout passes (see <see cref="StopAsync"/>).</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var batch = new PageViewBatch();
        try
        {
            while (await batch.FillAsync(recorder.Reader, settings.BatchSize, settings.Linger, time, stoppingToken))
            {
                Interlocked.Exchange(ref _inHand, batch.Views);
                await WriteAsync([.. batch.Rows], settings.MaxRetryDelay, isWholeBatch: true, stoppingToken);
                batch.Clear();
            }

            LogDrained(Written, Lost, recorder.Dropped);
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested)
        {
            // The queue is closed by now: what is left in it, and what the batch in hand still holds, will not be written.
            var lost = Interlocked.Exchange(ref _inHand, 0);
            while (recorder.Reader.TryRead(out _))
            {
                lost++;
            }

            Interlocked.Add(ref _lost, lost);
            metrics.Lost(lost, PageViewMetrics.LostAtShutdown);
            LogLost(ex, lost, Written, recorder.Dropped);
        }
    }

    /// <summary>
    /// Writes <paramref name="rows"/> in one statement. A transient failure (the database away, a timeout) is
    /// retried with backoff, for as long as it takes. A refusal (a constraint the rows break, such as a view of a
    /// user deleted meanwhile) would fail every retry: the rows are split in halves and each half written the same
    /// way, until each row the database refuses is alone; those are given up, counted and logged, and the rest written.
    /// </summary>
    private async Task WriteAsync(PageViewRow[] rows, TimeSpan maxRetryDelay, bool isWholeBatch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = contexts.CreateDbContext();
                try
                {
                    await UpsertAsync(db, rows, cancellationToken);
                }
                catch (Exception ex) when (IsDemotedServer(ex) && db.Database.GetDbConnection() is Npgsql.NpgsqlConnection connection)
                {
                    // The server this pooled connection reached is a standby now (a failover): like a dead connection,
                    // it is dropped, and the retry's new connection finds the primary by its target session attributes.
                    Npgsql.NpgsqlConnection.ClearPool(connection);
                    throw;
                }

                var views = ViewsIn(rows);
                Interlocked.Add(ref _written, views);
                Interlocked.Add(ref _inHand, -views);
                metrics.Written(views);
                if (attempt > 1)
                {
                    LogRecovered(views, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsRefusal(ex))
            {
                if (rows.Length == 1)
                {
                    Refused(rows[0], ex);
                    return;
                }

                if (isWholeBatch)
                {
                    LogIsolating(ex, rows.Length, ViewsIn(rows));
                }

                var half = rows.Length / 2;
                await WriteAsync(rows[..half], maxRetryDelay, isWholeBatch: false, cancellationToken);
                await WriteAsync(rows[half..], maxRetryDelay, isWholeBatch: false, cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Anything else may pass: dropping the rows would lose views silently, and a database that is down
                // is the common case.
                var delay = Backoff.Delay(attempt, FirstRetryDelay, maxRetryDelay);
                LogFlushFailed(ex, ViewsIn(rows), attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private void Refused(PageViewRow row, Exception reason)
    {
        Interlocked.Add(ref _lost, row.Views);
        Interlocked.Add(ref _inHand, -row.Views);
        metrics.Lost(row.Views, PageViewMetrics.LostRefused);
        LogRefused(reason, row.Views, row.UserId, row.Day, Describe(reason));
    }

    private static long ViewsIn(PageViewRow[] rows) => rows.Sum(r => r.Views);

    /// <summary>
    /// True when the database refused the rows themselves (an integrity constraint: SQLite's SQLITE_CONSTRAINT,
    /// PostgreSQL's class 23), which no retry can change; false for everything else (connection lost, timeout, lock).
    /// </summary>
    internal static bool IsRefusal(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_CONSTRAINT }:
                case Npgsql.PostgresException { SqlState: ['2', '3', ..] }:
                    return true;
            }
        }

        return false;
    }

    /// <summary>A write reached a read-only server (SQLSTATE 25006): one demoted, or a standby.</summary>
    internal static bool IsDemotedServer(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.ReadOnlySqlTransaction })
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case Npgsql.PostgresException postgres:
                    return $"{postgres.SqlState} {postgres.ConstraintName ?? postgres.MessageText}";
                case Microsoft.Data.Sqlite.SqliteException sqlite:
                    return $"SQLite {sqlite.SqliteExtendedErrorCode}: {sqlite.Message}";
            }
        }

        return exception.GetType().Name;
    }


    /// <summary>
    /// One statement for the whole batch. Only placeholders go into the text; every value is a parameter. The batch
    /// has one row per key, as PostgreSQL requires of one upsert.
    /// </summary>
    internal static Task<int> UpsertAsync(AppDbContext db, PageViewBatch batch, CancellationToken cancellationToken) =>
        UpsertAsync(db, [.. batch.Rows], cancellationToken);

    internal static Task<int> UpsertAsync(AppDbContext db, IReadOnlyCollection<PageViewRow> rows, CancellationToken cancellationToken) =>
        db.Database.IsNpgsql() ? UpsertArraysAsync(db, rows, cancellationToken) : UpsertValuesAsync(db, rows, cancellationToken);

    // PostgreSQL: the rows as three arrays, so the text is the same for every batch. Npgsql prepares it once per
    // connection, where a VALUES list of 3 parameters a row was a new statement for PostgreSQL to parse and plan, and
    // for EF Core and Npgsql to build and rewrite, at every flush (scripts/page-views-load.sh shows the difference).
    private const string ArraysUpsert =
        "-- " + Tag + "\n" +
        "INSERT INTO user_daily_views (user_id, day, views) SELECT * FROM unnest({0}, {1}, {2}) " +
        "ON CONFLICT (user_id, day) DO UPDATE SET views = user_daily_views.views + excluded.views";

    private static Task<int> UpsertArraysAsync(AppDbContext db, IReadOnlyCollection<PageViewRow> rows, CancellationToken cancellationToken)
    {
        var users = new int[rows.Count];
        var days = new DateOnly[rows.Count];
        var views = new long[rows.Count];
        var i = 0;
        foreach (var (userId, day, count) in rows)
        {
            (users[i], days[i], views[i]) = (userId, day, count);
            i++;
        }

        return db.Database.ExecuteSqlRawAsync(ArraysUpsert, [users, days, views], cancellationToken);
    }

    // SQLite (PostgreSQL's upsert syntax since 3.24; no arrays): a VALUES row of three parameters for each row.
    private static Task<int> UpsertValuesAsync(AppDbContext db, IReadOnlyCollection<PageViewRow> rows, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("-- ").Append(Tag).Append('\n')
            .Append("INSERT INTO user_daily_views (user_id, day, views) VALUES ");
        var parameters = new object[rows.Count * 3];
        var i = 0;
        foreach (var (userId, day, views) in rows)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{{i}}}, {{{i + 1}}}, {{{i + 2}}})");
            // DateOnly goes in as SQLite's TEXT 'yyyy-MM-dd', as EF writes it.
            parameters[i++] = userId;
            parameters[i++] = day;
            parameters[i++] = views;
        }

        sql.Append(" ON CONFLICT (user_id, day) DO UPDATE SET views = user_daily_views.views + excluded.views");
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Page views drained on stop: {Written} written since start, {Lost} refused by the database, {Dropped} dropped (queue full or stopped)")]
    private partial void LogDrained(long written, long lost, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Page views not drained within the shutdown timeout: {Lost} lost, {Written} written since start, {Dropped} dropped (queue full or stopped)")]
    private partial void LogLost(Exception exception, long lost, long written, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Views} page views failed (attempt {Attempt}); retrying in {DelayMs:F0} ms")]
    private partial void LogFlushFailed(Exception exception, long views, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Views} page views after {Attempts} attempts")]
    private partial void LogRecovered(long views, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused a batch of {Rows} rows ({Views} page views); writing it in parts to find the rows it refuses")]
    private partial void LogIsolating(Exception exception, int rows, long views);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up {Views} page views of user {UserId} on {Day}: the database refused the row ({Reason})")]
    private partial void LogRefused(Exception exception, long views, int userId, DateOnly day, string reason);
}
