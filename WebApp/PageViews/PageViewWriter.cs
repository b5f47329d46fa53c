using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.PageViews;

/// <summary>
/// Owns the page-view queue: reads it in batches, sums each batch per user and day, and adds it to
/// <c>user_daily_views</c> with one upsert on a context of its own, on the primary. A failed write is retried with
/// backoff. On stop it takes no more views and drains the queue within the host's shutdown timeout;
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

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private long _written;
    private long _lost;

    /// <summary>Views stored since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Views given up on at shutdown.</summary>
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
                await FlushAsync(batch, settings.MaxRetryDelay, stoppingToken);
                batch.Clear();
            }

            LogDrained(Written, recorder.Dropped);
        }
        catch (Exception ex) when (stoppingToken.IsCancellationRequested)
        {
            // The queue is closed by now: what is left in it, and the batch in hand, will not be written.
            long lost = batch.Views;
            while (recorder.Reader.TryRead(out _))
            {
                lost++;
            }

            Interlocked.Add(ref _lost, lost);
            metrics.Lost(lost);
            LogLost(ex, lost, Written, recorder.Dropped);
        }
    }

    private async Task FlushAsync(PageViewBatch batch, TimeSpan maxRetryDelay, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = contexts.CreateDbContext();
                await UpsertAsync(db, batch, cancellationToken);
                Interlocked.Add(ref _written, batch.Views);
                metrics.Written(batch.Views);
                if (attempt > 1)
                {
                    LogRecovered(batch.Views, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Any failure is retried, not just transient ones: dropping a batch would lose views
                // silently, and a database that is down is the common case.
                var delay = RetryDelay(attempt, maxRetryDelay);
                LogFlushFailed(ex, batch.Views, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>100 ms, doubling each attempt, at most <paramref name="max"/>.</summary>
    internal static TimeSpan RetryDelay(int attempt, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(max.Ticks, FirstRetryDelay.Ticks << Math.Min(attempt - 1, 30)));

    /// <summary>
    /// One statement for the whole batch on both providers (SQLite has PostgreSQL's upsert syntax since
    /// 3.24). Only placeholders go into the text; every value is a parameter. The batch has one row per
    /// key, as PostgreSQL requires of one upsert.
    /// </summary>
    internal static Task<int> UpsertAsync(AppDbContext db, PageViewBatch batch, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("-- ").Append(Tag).Append('\n')
            .Append("INSERT INTO user_daily_views (user_id, day, views) VALUES ");
        var parameters = new object[batch.RowCount * 3];
        var i = 0;
        foreach (var (userId, day, views) in batch.Rows)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{{i}}}, {{{i + 1}}}, {{{i + 2}}})");
            // DateOnly goes in as the provider's own date: TEXT 'yyyy-MM-dd' on SQLite (as EF writes it), date on PostgreSQL.
            parameters[i++] = userId;
            parameters[i++] = day;
            parameters[i++] = views;
        }

        sql.Append(" ON CONFLICT (user_id, day) DO UPDATE SET views = user_daily_views.views + excluded.views");
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Page views drained on stop: {Written} written since start, none lost, {Dropped} dropped (queue full or stopped)")]
    private partial void LogDrained(long written, long dropped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Page views not drained within the shutdown timeout: {Lost} lost, {Written} written since start, {Dropped} dropped (queue full or stopped)")]
    private partial void LogLost(Exception exception, long lost, long written, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Views} page views failed (attempt {Attempt}); retrying in {DelayMs:F0} ms")]
    private partial void LogFlushFailed(Exception exception, int views, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Views} page views after {Attempts} attempts")]
    private partial void LogRecovered(int views, int attempts);
}
