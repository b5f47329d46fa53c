using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using WebApp.Data;
using WebApp.PageViews;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>
/// Page-view counting end to end: profile requests, the queue, the writer, a graceful stop, and the rows
/// in user_daily_views, on each provider. The clock stands still at the seed's reference time, so every
/// view lands on one known day; delays in the writer move only when a test advances the clock.
/// </summary>
public sealed class PageViewCountingTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DemoSeedOptions.Default.ReferenceTime);

    // Seeded users with and without earlier views (every fifth user has 14 days of them, none today).
    private static readonly int[] Users = [SeedFacts.Prolific.Id, 1, 2, 3];

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profiles_ManyRequestsThenGracefulStop_StoresExactlyEveryView(DatabaseProvider provider)
    {
        // Not a multiple of the batch size: the last views are written only by the drain on stop.
        const int Requests = 210;
        var logs = new LogCapture();
        var site = await StartAsync(provider, new() { ["PageViews:BatchSize"] = "50" }, logs: logs);
        var before = await ReadViewsAsync(site.Factory.Database);

        var statuses = await GetProfilesAsync(site.Factory, Requests);
        await site.Factory.DisposeAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var after = await ReadViewsAsync(site.Factory.Database);
        AssertAdded(before, after, ExpectedViews(Requests));
        Assert.Equal(Requests, site.Writer.Written);
        Assert.Equal(0, site.Writer.Lost);
        Assert.Equal(0, site.Recorder.Dropped);
        Assert.True(site.Writer.ExecuteTask!.IsCompletedSuccessfully);
        var drained = Assert.Single(logs.Events, e => e.MessageTemplate.Text.StartsWith("Page views drained", StringComparison.Ordinal));
        Assert.Equal(Requests.ToString(CultureInfo.InvariantCulture), LogCapture.Property(drained, "Written"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profiles_QueueFullWhileWriterStalled_DropCountedAndEveryRequestServed(DatabaseProvider provider)
    {
        const int MoreRequests = 20;
        var flush = new FlushInterceptor().Hold();
        var logs = new LogCapture();
        var site = await StartAsync(provider, new()
        {
            ["PageViews:QueueCapacity"] = "1",
            ["PageViews:Linger"] = "00:00:00",
        }, flush, logs);
        await using var factory = site.Factory;
        using var dropped = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.dropped");
        var before = await ReadViewsAsync(factory.Database);
        var handle = SeedFacts.User(Users[0]).Handle;

        // The first view reaches the writer, which stalls in its upsert holding it.
        using var first = await factory.CreateClient().GetAsync($"/u/{handle}", TestContext.Current.CancellationToken);
        await flush.Entered.WaitAsync(TestContext.Current.CancellationToken);
        // The next fills the queue of one; every later one is dropped, and no request waits for the writer.
        var statuses = await GetProfilesAsync(factory, MoreRequests, handle);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(MoreRequests - 1, site.Recorder.Dropped);
        Assert.Equal(MoreRequests - 1, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        // The clock stands still, so the interval never passes: one warning, for the first drop.
        Assert.Single(logs.Events, e => e.Level == LogEventLevel.Warning && e.MessageTemplate.Text.StartsWith("Dropped", StringComparison.Ordinal));

        flush.Release();
        await factory.DisposeAsync();
        AssertAdded(before, await ReadViewsAsync(factory.Database), new() { [(Users[0], Today)] = 2 });
        Assert.Equal(2, site.Writer.Written);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Writer_DatabaseDownDuringFlushThenBack_RetriesAndLosesNothing(DatabaseProvider provider)
    {
        const int Requests = 120;
        var flush = new FlushInterceptor { Down = true };
        var logs = new LogCapture();
        var site = await StartAsync(provider, new()
        {
            ["PageViews:BatchSize"] = "50",
            ["PageViews:MaxRetryDelay"] = "00:00:01",
        }, flush, logs);
        var before = await ReadViewsAsync(site.Factory.Database);

        var statuses = await GetProfilesAsync(site.Factory, Requests);
        // Several failed attempts, each followed by a backoff that ends only when the clock moves.
        await WaitUntilAsync(() => flush.Failures >= 3, () => site.Clock.Advance(TimeSpan.FromSeconds(1)));
        flush.Down = false;
        await WaitUntilAsync(() => site.Writer.Written > 0, () => site.Clock.Advance(TimeSpan.FromSeconds(1)));
        await site.Factory.DisposeAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        AssertAdded(before, await ReadViewsAsync(site.Factory.Database), ExpectedViews(Requests));
        Assert.Equal(Requests, site.Writer.Written);
        Assert.Equal(0, site.Writer.Lost);
        Assert.True(site.Writer.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && e.Exception?.Message == "injected: the database is down");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Writer_DatabaseDownPastShutdownTimeout_GivesUpAndLogsTheLoss(DatabaseProvider provider)
    {
        const int Requests = 60;
        var flush = new FlushInterceptor { Down = true };
        var logs = new LogCapture();
        var site = await StartAsync(provider, new() { ["PageViews:BatchSize"] = "50" }, flush, logs,
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        var before = await ReadViewsAsync(site.Factory.Database);

        var statuses = await GetProfilesAsync(site.Factory, Requests);
        await WaitUntilAsync(() => flush.Failures >= 1);
        await site.Factory.DisposeAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(before, await ReadViewsAsync(site.Factory.Database));
        Assert.Equal(0, site.Writer.Written);
        Assert.Equal(Requests, site.Writer.Lost);
        Assert.True(site.Writer.ExecuteTask!.IsCompletedSuccessfully);
        // EF Core logs each failed command as an error too; the writer's own error counts the loss.
        var loss = Assert.Single(logs.Events, e => e.Level == LogEventLevel.Error && FromWriter(e));
        Assert.Equal(Requests.ToString(CultureInfo.InvariantCulture), LogCapture.Property(loss, "Lost"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Writer_QueuedViewsOfAUserDeletedMeanwhile_GivesUpThoseAndWritesEveryOtherView(DatabaseProvider provider)
    {
        const int Queued = 8; // two views of each of Users, among them the user about to be deleted
        const int Later = 5;
        var deleted = Users[3];
        var flush = new FlushInterceptor().Hold();
        var logs = new LogCapture();
        var site = await StartAsync(provider, new() { ["PageViews:Linger"] = "00:00:00" }, flush, logs,
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30)));
        await using var factory = site.Factory;
        using var lost = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.lost");
        var before = await ReadViewsAsync(factory.Database);

        // The writer stalls on a first view, so the next ones wait in the queue while the user is deleted.
        using (var first = await factory.CreateClient().GetAsync($"/u/{SeedFacts.User(Users[0]).Handle}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await flush.Entered.WaitAsync(TestContext.Current.CancellationToken);
        var statuses = await GetProfilesAsync(factory, Queued);
        await using (var db = factory.Database.CreateContext())
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM users WHERE id = {deleted}", TestContext.Current.CancellationToken);
        }

        flush.Release();
        await WaitUntilAsync(() => site.Writer.Lost > 0);
        // Counting goes on: views recorded after the refusal are written too.
        var later = await GetProfilesAsync(factory, Later, SeedFacts.User(Users[1]).Handle);
        var stop = System.Diagnostics.Stopwatch.StartNew();
        await factory.DisposeAsync();
        stop.Stop();

        Assert.All(statuses.Concat(later), s => Assert.Equal(HttpStatusCode.OK, s));
        var kept = before.Where(r => r.Key.UserId != deleted).ToDictionary();
        AssertAdded(kept, await ReadViewsAsync(factory.Database), new()
        {
            [(Users[0], Today)] = 1 + (Queued / Users.Length),
            [(Users[1], Today)] = (Queued / Users.Length) + Later,
            [(Users[2], Today)] = Queued / Users.Length,
        });
        Assert.Equal(1 + Queued - (Queued / Users.Length) + Later, site.Writer.Written);
        Assert.Equal(Queued / Users.Length, site.Writer.Lost);
        var refused = Assert.Single(lost.GetMeasurementSnapshot());
        Assert.Equal(Queued / Users.Length, refused.Value);
        Assert.Equal(PageViewMetrics.LostRefused, refused.Tags["reason"]);
        var warning = Assert.Single(logs.Events, e => e.Level == LogEventLevel.Warning && FromWriter(e) && LogCapture.Property(e, "UserId") is not null);
        Assert.Equal(deleted.ToString(CultureInfo.InvariantCulture), LogCapture.Property(warning, "UserId"));
        // No endless retry, and a prompt stop that drains rather than gives up.
        Assert.DoesNotContain(logs.Events, e => e.MessageTemplate.Text.StartsWith("Writing", StringComparison.Ordinal));
        Assert.Single(logs.Events, e => e.MessageTemplate.Text.StartsWith("Page views drained", StringComparison.Ordinal));
        Assert.True(site.Writer.ExecuteTask!.IsCompletedSuccessfully);
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {stop.Elapsed} (shutdown timeout 30 s)");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Upsert_SeededDayAndNewDay_AddsToTheSeedRowAndInsertsTheOther(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        var user = SeedFacts.Prolific.Id;
        var yesterday = Today.AddDays(-1);
        var batch = new PageViewBatch();
        foreach (var view in new PageView[] { new(user, yesterday), new(user, yesterday), new(user, yesterday), new(user, Today), new(user, Today) })
        {
            batch.Add(view);
        }

        var before = await ReadViewsAsync(database);
        await using (var db = database.CreateContext())
        {
            await PageViewWriter.UpsertAsync(db, batch, TestContext.Current.CancellationToken);
        }

        // The seed row (written by EF) and the upsert's key match: one row more, not two, on both providers.
        AssertAdded(before, await ReadViewsAsync(database), new() { [(user, yesterday)] = 3, [(user, Today)] = 2 });
        Assert.Equal(before.Count + 1, (await ReadViewsAsync(database)).Count);
    }

    private sealed record Site(WebAppFactory Factory, PageViewRecorder Recorder, PageViewWriter Writer, FakeTimeProvider Clock);

    private static async Task<Site> StartAsync(
        DatabaseProvider provider,
        Dictionary<string, string?> settings,
        IInterceptor? interceptor = null,
        LogCapture? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime));
        settings["Serilog:MinimumLevel:Default"] = "Information";
        var factory = await WebAppFactory.StartAsync(provider, settings, s =>
        {
            s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
            if (interceptor is not null)
            {
                s.AddSingleton(interceptor);
            }

            if (logs is not null)
            {
                s.AddSingleton<Serilog.Core.ILogEventSink>(logs);
            }

            services?.Invoke(s);
        });
        return new Site(
            factory,
            factory.Services.GetRequiredService<PageViewRecorder>(),
            factory.Services.GetServices<IHostedService>().OfType<PageViewWriter>().Single(),
            clock);
    }

    /// <summary>Requests the profiles of <see cref="Users"/> in turn (or of one handle), eight at a time.</summary>
    private static async Task<IReadOnlyList<HttpStatusCode>> GetProfilesAsync(WebAppFactory factory, int count, string? handle = null)
    {
        var client = factory.CreateClient();
        var statuses = new HttpStatusCode[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken },
            async (i, ct) =>
            {
                using var response = await client.GetAsync($"/u/{handle ?? SeedFacts.User(Users[i % Users.Length]).Handle}", ct);
                statuses[i] = response.StatusCode;
            });
        return statuses;
    }

    private static Dictionary<(int UserId, DateOnly Day), long> ExpectedViews(int requests) =>
        Enumerable.Range(0, requests).GroupBy(i => Users[i % Users.Length]).ToDictionary(g => (g.Key, Today), g => (long)g.Count());

    private static async Task<Dictionary<(int UserId, DateOnly Day), long>> ReadViewsAsync(TestDatabase database)
    {
        await using var db = database.CreateContext();
        return await db.UserDailyViews.AsNoTracking().ToDictionaryAsync(v => (v.UserId, v.Day), v => v.Views, TestContext.Current.CancellationToken);
    }

    /// <summary>Every row of <paramref name="after"/> is the row before plus the added views, and no other row changed.</summary>
    private static void AssertAdded(
        Dictionary<(int UserId, DateOnly Day), long> before,
        Dictionary<(int UserId, DateOnly Day), long> after,
        Dictionary<(int UserId, DateOnly Day), long> added)
    {
        var expected = new Dictionary<(int UserId, DateOnly Day), long>(before);
        foreach (var (key, views) in added)
        {
            expected[key] = expected.GetValueOrDefault(key) + views;
        }

        Assert.Equal(expected.OrderBy(r => r.Key), after.OrderBy(r => r.Key));
    }

    private static bool FromWriter(LogEvent e) => LogCapture.Property(e, "SourceContext") == typeof(PageViewWriter).FullName;

    /// <summary>Polls a condition (at most 10 s), doing <paramref name="nudge"/> between polls, e.g. moving the clock.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Action? nudge = null)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met within 10 s");
            nudge?.Invoke();
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
