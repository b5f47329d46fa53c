using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using WebApp.Data;
using WebApp.PageViews;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>
/// The writer on its own, on each provider: a recorder, the writer and a seeded database, no web host. Its batches,
/// its retries while the database is down (the backoff moves only with the fake clock), the rows the database refuses,
/// and what a stop drains or gives up. PageViewCountingTests holds the same promises end to end, through requests
/// and a host's stop; these are fast enough for the mutation runs (scripts/mutation.sh PageViews).
/// </summary>
public sealed class PageViewWriterTests
{

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Stop_ViewsNotAMultipleOfTheBatchSize_FullBatchesThenTheRestDrained(DatabaseProvider provider)
    {
        // The clock stands still, so no batch ends by lingering: four full batches, then the drain writes the last ten.
        await using var writer = await Writer.StartAsync(provider, new() { BatchSize = 50 });
        var before = await writer.ReadViewsAsync();

        writer.Record(210);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => writer.Service.Written == 200, () => $"{writer.Service.Written} of 200 written");
        Assert.Equal(4, writer.Flush.Attempts);
        await writer.StopAsync();

        ViewRows.AssertAdded(before, await writer.ReadViewsAsync(), ViewRows.Expected(210));
        Assert.Equal(5, writer.Flush.Attempts);
        Assert.Equal(210, writer.Service.Written);
        Assert.Equal(210, writer.WrittenMetric.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, writer.Service.Lost);
        Assert.True(writer.Service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Write_DatabaseDownThenBack_RetriesAfterADoublingDelayAndLosesNothing(DatabaseProvider provider)
    {
        await using var writer = await Writer.CreateAsync(provider, new() { BatchSize = 50, Linger = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(300) }, down: true);
        var before = await writer.ReadViewsAsync();

        // Queued before the writer starts: one batch.
        writer.Record(40);
        await writer.Service.StartAsync(TestContext.Current.CancellationToken);
        // 100 ms after the first failure, then 200, then the maximum of 300: each retry waits for the clock, to the tick.
        foreach (var (attempt, delay) in new[] { (1, 100), (2, 200), (3, 300), (4, 300) })
        {
            await writer.WaitingAsync(attempt);
            writer.Clock.Advance(TimeSpan.FromMilliseconds(delay - 1));
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(attempt, writer.Flush.Attempts);
            writer.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        await writer.WaitingAsync(5);
        writer.Flush.Down = false;
        writer.Clock.Advance(TimeSpan.FromMilliseconds(300));
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => writer.Service.Written == 40, () => $"{writer.Service.Written} of 40 written");
        await writer.StopAsync();

        Assert.Equal(6, writer.Flush.Attempts);
        ViewRows.AssertAdded(before, await writer.ReadViewsAsync(), ViewRows.Expected(40));
        Assert.Equal(0, writer.Service.Lost);
        Assert.Empty(writer.LostMetric.GetMeasurementSnapshot());
        Assert.True(writer.Service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Stop_DatabaseDownPastTheShutdownTimeout_CountsTheBatchInHandAndTheQueueAsLost(DatabaseProvider provider)
    {
        await using var writer = await Writer.CreateAsync(provider, new() { BatchSize = 50, Linger = TimeSpan.Zero });
        var before = await writer.ReadViewsAsync();

        // A first batch is written; then the database goes down with 10 views in hand or queued, and 5 more behind them.
        writer.Record(50);
        await writer.Service.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => writer.Service.Written == 50, () => $"{writer.Service.Written} of 50 written");
        writer.Flush.Down = true;
        writer.Record(10);
        await writer.AttemptsReachAsync(2);
        writer.Record(5);
        await writer.StopAsync(shutdownTimeUp: true);

        ViewRows.AssertAdded(before, await writer.ReadViewsAsync(), ViewRows.Expected(50));
        Assert.Equal(50, writer.Service.Written);
        Assert.Equal(15, writer.Service.Lost);
        var lost = Assert.Single(writer.LostMetric.GetMeasurementSnapshot());
        Assert.Equal(15, lost.Value);
        Assert.Equal(PageViewMetrics.LostAtShutdown, lost.Tags["reason"]);
        Assert.True(writer.Service.ExecuteTask!.IsCompletedSuccessfully);
        var error = Assert.Single(writer.Logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.StartsWith("Page views not drained within the shutdown timeout: 15 lost, 50 written", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Write_ViewsOfAUserDeletedMeanwhile_IsolatedAndGivenUp_EveryOtherViewWritten(DatabaseProvider provider)
    {
        await using var writer = await Writer.CreateAsync(provider, new() { Linger = TimeSpan.Zero });
        var deleted = ViewRows.Users[3];
        var before = await writer.ReadViewsAsync();
        await using (var db = writer.Database.CreateContext())
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM users WHERE id = {deleted}", TestContext.Current.CancellationToken);
        }

        // Queued before the writer starts, so they make one batch of four rows, the refused one last.
        writer.Record(8);
        await writer.Service.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => writer.Service.Lost == 2, () => $"{writer.Service.Lost} of 2 given up");
        // Counting goes on: views recorded after the refusal are written too.
        writer.Record(4);
        await writer.StopAsync();

        var kept = before.Where(r => r.Key.UserId != deleted).ToDictionary();
        ViewRows.AssertAdded(kept, await writer.ReadViewsAsync(), ViewRows.Expected(12).Where(r => r.Key.UserId != deleted).ToDictionary());
        Assert.Equal(9, writer.Service.Written);
        Assert.Equal(3, writer.Service.Lost);
        // Halves until the refused row is alone: [a b c d] refused; [a b] written; [c d] refused; [c] written; [d] refused.
        // Of the 4 later views, however they are batched, the deleted user's one is refused alone.
        Assert.Equal(new long[] { 2, 1 }, writer.LostMetric.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(writer.LostMetric.GetMeasurementSnapshot(), m => Assert.Equal(PageViewMetrics.LostRefused, m.Tags["reason"]));
        // Refusals are never retried with a delay: no failure waited for the clock.
        Assert.DoesNotContain(writer.Logs.Collector.GetSnapshot(), r => r.Message.StartsWith("Writing", StringComparison.Ordinal));
        var refusal = writer.Logs.Collector.GetSnapshot().First(r => r.Message.StartsWith("Gave up", StringComparison.Ordinal));
        Assert.StartsWith($"Gave up 2 page views of user {deleted} on ", refusal.Message, StringComparison.Ordinal);
        // The reason names what the database refused: SQLite's extended code, PostgreSQL's state and constraint.
        Assert.Contains(provider == DatabaseProvider.Sqlite ? "SQLite 787" : "23503 fk_user_daily_views_users_user_id", refusal.Message, StringComparison.Ordinal);
        // One warning for the whole batch that had to be split; its halves are not announced again.
        Assert.Single(writer.Logs.Collector.GetSnapshot(), r => r.Message.StartsWith("The database refused a batch of 4 rows (8 page views)", StringComparison.Ordinal));
        Assert.True(writer.Service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Upsert_SeededDayAndNewDay_AddsToTheSeedRowAndInsertsTheOther(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        var user = SeedFacts.Prolific.Id;
        var yesterday = ViewRows.Today.AddDays(-1);
        var batch = new PageViewBatch();
        foreach (var view in new PageView[] { new(user, yesterday), new(user, yesterday), new(user, yesterday), new(user, ViewRows.Today), new(user, ViewRows.Today) })
        {
            batch.Add(view);
        }

        var before = await ViewRows.ReadAsync(database);
        await using (var db = database.CreateContext())
        {
            await PageViewWriter.UpsertAsync(db, batch, TestContext.Current.CancellationToken);
        }

        // The seed row (written by EF) and the upsert's key match: one row more, not two, on both providers.
        ViewRows.AssertAdded(before, await ViewRows.ReadAsync(database), new() { [(user, yesterday)] = 3, [(user, ViewRows.Today)] = 2 });
        Assert.Equal(before.Count + 1, (await ViewRows.ReadAsync(database)).Count);
    }

    public static TheoryData<string, bool> Failures => new()
    {
        { "SQLite constraint (a foreign key)", true },
        { "SQLite busy", false },
        { "PostgreSQL 23503 foreign key", true },
        { "PostgreSQL 23505 unique", true },
        { "PostgreSQL 08006 connection failure", false },
        { "PostgreSQL 40P01 deadlock", false },
        { "PostgreSQL 53300 too many connections", false },
        { "a constraint inside EF Core's DbUpdateException", true },
        { "a timeout", false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsRefusal_OnlyConstraintsTheRowsBreak(string failure, bool refusal)
    {
        Exception exception = failure switch
        {
            "SQLite constraint (a foreign key)" => new SqliteException("FOREIGN KEY constraint failed", SQLitePCL.raw.SQLITE_CONSTRAINT, 787),
            "SQLite busy" => new SqliteException("database is locked", SQLitePCL.raw.SQLITE_BUSY),
            "a constraint inside EF Core's DbUpdateException" => new DbUpdateException("wrapped", new PostgresException("violates", "ERROR", "ERROR", "23503")),
            "a timeout" => new TimeoutException(),
            _ => new PostgresException("refused", "ERROR", "ERROR", failure.Split(' ')[1]),
        };

        Assert.Equal(refusal, PageViewWriter.IsRefusal(exception));
    }

    /// <summary>A recorder and a writer on a seeded database of their own, with the upsert behind a <see cref="FlushInterceptor"/>.</summary>
    private sealed class Writer : IAsyncDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        private Writer(TestDatabase database, PageViewOptions options, bool down)
        {
            Database = database;
            Flush = new FlushInterceptor { Down = down };
            var meters = _services.GetRequiredService<IMeterFactory>();
            var metrics = new PageViewMetrics(meters);
            Recorder = new PageViewRecorder(Options.Create(options), Clock, metrics, new FakeLogger<PageViewRecorder>());
            Service = new PageViewWriter(Recorder, new PrimaryDbContextFactory(() => database.CreateContext(Flush)), Options.Create(options), Clock, metrics, Logs);
            WrittenMetric = new MetricCollector<long>(meters, PageViewMetrics.MeterName, "webapp.page_views.written");
            LostMetric = new MetricCollector<long>(meters, PageViewMetrics.MeterName, "webapp.page_views.lost");
        }

        public TestDatabase Database { get; }

        public FlushInterceptor Flush { get; }

        public TimerCountingClock Clock { get; } = new(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime));

        public FakeLogger<PageViewWriter> Logs { get; } = new();

        public PageViewRecorder Recorder { get; }

        public PageViewWriter Service { get; }

        public MetricCollector<long> WrittenMetric { get; }

        public MetricCollector<long> LostMetric { get; }

        public static async Task<Writer> CreateAsync(DatabaseProvider provider, PageViewOptions options, bool down = false) =>
            new(await TestDatabases.CreateSeededAsync(provider), options, down);

        public static async Task<Writer> StartAsync(DatabaseProvider provider, PageViewOptions options, bool down = false)
        {
            var writer = await CreateAsync(provider, options, down);
            await writer.Service.StartAsync(TestContext.Current.CancellationToken);
            return writer;
        }

        /// <summary>Records <paramref name="count"/> views, of <see cref="ViewRows.Users"/> in turn.</summary>
        public void Record(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(Recorder.Record(ViewRows.Users[i % ViewRows.Users.Length]));
            }
        }

        public Task AttemptsReachAsync(int attempts) =>
            Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => Flush.Attempts >= attempts, () => $"{Flush.Attempts} of {attempts} upserts attempted");

        /// <summary>Until the writer waits out its backoff after failed attempt <paramref name="failures"/> (it has set a timer on the clock).</summary>
        public Task WaitingAsync(int failures) =>
            Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => Flush.Failures == failures && Clock.Timers == failures, () => $"{Flush.Failures} failures, {Clock.Timers} timers; expected {failures}");

        /// <summary>Stops as a host does: with its shutdown token, already cancelled when the host's time is up.</summary>
        public async Task StopAsync(bool shutdownTimeUp = false)
        {
            using var shutdown = new CancellationTokenSource();
            if (shutdownTimeUp)
            {
                await shutdown.CancelAsync();
            }

            await Service.StopAsync(shutdown.Token);
        }

        public Task<Dictionary<(int UserId, DateOnly Day), long>> ReadViewsAsync() => ViewRows.ReadAsync(Database);

        public async ValueTask DisposeAsync()
        {
            WrittenMetric.Dispose();
            LostMetric.Dispose();
            Service.Dispose();
            await _services.DisposeAsync();
        }
    }

    /// <summary>A fake clock that counts the timers set on it (a backoff's Task.Delay sets one), so a test can tell when the writer waits.</summary>
    private sealed class TimerCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
