using System.Diagnostics;
using System.Net;
using AngleSharp;
using IConfiguration = Microsoft.Extensions.Configuration.IConfiguration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Npgsql;
using Upfront.Loading;
using Serilog.Events;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// <c>Loading:Strategy=Batch</c> on PostgreSQL: a page's database loaders in one NpgsqlBatch on one connection, each
/// keeping its own result, failure and timing, and LoadGroup's rules holding as they do with a connection per loader.
/// The database is made slow or broken from outside (locks, a renamed table), never by hooks in the app.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class BatchStrategyTests
{
    private static readonly string Profile = $"/u/{SeedFacts.Prolific.Handle}";

    [Fact]
    public async Task Batch_EveryPage_TheSameHtmlAndLoadersAsAConnectionPerLoader()
    {
        await using var concurrent = await Site("Concurrent").StartAsync();
        await using var batch = await Site("Batch").StartAsync();
        var prolific = SeedFacts.Prolific;
        var post = Sites.Seed.Posts.First(p => p.UserId == prolific.Id);

        foreach (var url in new[] { "/", "/users", "/users?q=an&sort=posts&page=2", Profile, $"{Profile}?page=2", $"/u/{prolific.Handle}/posts/{post.Id}", "/u/nobody_at_all", "/users?page=9999" })
        {
            var expected = await HtmlPage.GetAsync(concurrent.CreateClient(), url, TestContext.Current.CancellationToken);
            var actual = await HtmlPage.GetAsync(batch.CreateClient(), url, TestContext.Current.CancellationToken);

            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(HtmlSnapshot.Default.Normalize(expected.Document.ToHtml()), HtmlSnapshot.Default.Normalize(actual.Document.ToHtml()));
            // R6: every loader keeps its own Server-Timing entry and outcome.
            Assert.Equal(Loaders(expected), Loaders(actual));
        }
    }

    [Theory]
    [InlineData("Concurrent", 4)]
    [InlineData("Batch", 1)]
    [InlineData("", 1)] // unset: PostgreSQL's default is the batch
    [InlineData("Sequential", 1)]
    public async Task Profile_ItsTablesLocked_ItsLoadersWaitOnThisManyConnections(string strategy, int connections)
    {
        await using var factory = await Site(strategy).WithDeadline(TimeSpan.FromSeconds(20)).StartAsync();
        await WarmAsync(factory);
        await using var admin = await AdminAsync(factory);
        await using var locks = await LockAsync(admin, "users", "posts", "follows", "user_daily_views");

        var page = HtmlPage.GetAsync(factory.CreateClient(), Profile, TestContext.Current.CancellationToken);
        // Every loader that reads a locked table waits in PostgreSQL on a session of its own, or all of them on the batch's one.
        var waiting = new List<int>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(2) && (waiting.Count == 0 || waiting[^1] < connections))
        {
            waiting.Add(await WaitingSessionsAsync(admin, factory));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await locks.CommitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, (await page).Status);
        Assert.True(connections == waiting.Max(), $"waiting sessions sampled: {string.Join(' ', waiting)}");
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public async Task Batch_AStatementFails_ThePageFailsWithThatErrorAndTheOthersAreCanceled()
    {
        var logs = new LogCapture();
        await using var factory = await Site("Batch").WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(20)).StartAsync();
        await WarmAsync(factory);
        await using var admin = await AdminAsync(factory);
        await ExecuteAsync(admin, "ALTER TABLE follows RENAME TO follows_gone");

        var clock = Stopwatch.StartNew();
        var page = await HtmlPage.GetAsync(factory.CreateClient(), Profile, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        // R4: the failure itself (undefined table), from the loader that ran the statement, not a cancellation.
        var errors = logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception).OfType<Exception>().ToList();
        Assert.Contains(errors, e => Flatten(e).OfType<PostgresException>().Any(p => p.SqlState == PostgresErrorCodes.UndefinedTable));
        Assert.DoesNotContain(errors, e => e is OperationCanceledException);
        // The error page has no Server-Timing (the exception handler clears the headers): the registry keeps the load.
        var load = factory.Services.GetRequiredService<InFlightRegistry>().Recent.First(l => l.Page == "profile");
        // One loader whose statement reads follows faults (the following list or the stats' follower count: whichever
        // reached the batch first; the statements after it are skipped), and no other.
        string[] readFollows = ["profile.following", "profile.stats"];
        var outcomes = string.Join(", ", load.Loaders.Select(l => $"{l.Name}={l.Outcome}"));
        var faulted = load.Loaders.Where(l => l.Outcome == LoaderOutcome.Faulted).Select(l => l.Name).ToList();
        Assert.True(faulted.Count >= 1 && faulted.All(readFollows.Contains), outcomes);
        await factory.AssertNoLeaksAsync();
        await ExecuteAsync(admin, "ALTER TABLE follows_gone RENAME TO follows");
        Assert.Equal(HttpStatusCode.OK, (await HtmlPage.GetAsync(factory.CreateClient(), Profile, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task Batch_TheBatchWaitsPastTheDeadline_Returns504WithinDeadlinePlus500MsAndNothingIsLeftRunning()
    {
        var deadline = TimeSpan.FromSeconds(1);
        await using var factory = await Site("Batch").WithDeadline(deadline).StartAsync();
        await WarmAsync(factory);
        await using var admin = await AdminAsync(factory);
        await using var locks = await LockAsync(admin, "users");

        var clock = Stopwatch.StartNew();
        var page = await HtmlPage.GetAsync(factory.CreateClient(), Profile, TestContext.Current.CancellationToken);
        clock.Stop();

        Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
        Assert.InRange(clock.Elapsed, deadline - TimeSpan.FromMilliseconds(10), deadline + TimeSpan.FromMilliseconds(500));
        // The batch was cancelled in the server, not left waiting for the lock.
        await factory.AssertNoLeaksAsync();
        await locks.RollbackAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Batch_TheActivityServiceTimesOut_OnlyItDegradesAndTheBatchServesThePage()
    {
        await using var stub = await StubActivityServer.StartAsync();
        await using var factory = await Site("Batch", fixedClock: false).With("Activity:BaseUrl", stub.BaseUrl).With("Activity:Budget", "00:00:00.300").StartAsync();
        stub.Behaviour = StubActivityServer.Mode.Slow;

        var page = await HtmlPage.GetAsync(factory.CreateClient(), Profile, TestContext.Current.CancellationToken);

        // R5: the optional loader beside the batch degrades alone; the batched loaders are fine.
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Activity unavailable right now.", page.Text("#profile-activity .unavailable"));
        Assert.Equal(SeedFacts.Prolific.DisplayName, page.Text("#profile-name"));
        Assert.Equal("degraded", Assert.Single(Timings(page), t => t.Name == "profile.activity").Outcome);
        Assert.All(Timings(page).Where(t => t.Name != "profile.activity"), t => Assert.Equal("ok", t.Outcome));
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public void Batch_WithAConcurrencyBound_RefusesToStartAndSaysWhy()
    {
        // R7: batched loaders wait for each other, so a bound on how many run at once would deadlock them.
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(Configuration(("Loading:Strategy", "Batch"), ("Loading:MaxConcurrency", "2")))
            .AddLoading()
            .BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(services.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains(Flatten(error), e => e is OptionsValidationException
            && e.Message.Contains("Loading:Strategy=Batch sends every database loader at once: Loading:MaxConcurrency must be 0.", StringComparison.Ordinal));
    }

    [Fact]
    public void Batch_OnSqlite_RefusesToStartAndSaysWhy()
    {
        var configuration = Configuration(("Loading:Strategy", "Batch"), ("Database:Provider", "Sqlite"), ("ConnectionStrings:Sqlite", "Data Source=:memory:"));

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection()
            .AddAppDatabase(configuration, new HostingEnvironment { EnvironmentName = "Testing", ContentRootPath = Path.GetTempPath() }));

        Assert.Equal("Loading:Strategy=Batch needs Database:Provider=Postgres; SQLite loads Concurrent or Sequential.", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    // The clock stands still where pages are compared; a budget needs one that moves (the activity's).
    private static TestSite Site(string strategy, bool fixedClock = true)
    {
        var site = TestSite.On(DatabaseProvider.Postgres).WithoutPageViews();
        site = strategy.Length == 0 ? site : site.With("Loading:Strategy", strategy);
        return fixedClock ? site.WithFixedClock() : site;
    }

    private static async Task WarmAsync(WebAppFactory factory)
    {
        // The first request pays for compiling and for the pool's first connections; the announcement is cached after it.
        using var warm = await factory.CreateClient().GetAsync(Profile, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }

    private static List<string> Loaders(HtmlPage page) =>
        [.. Timings(page).Select(t => $"{t.Name}={t.Outcome}").Order(StringComparer.Ordinal)];

    private static IReadOnlyList<(string Name, string Outcome)> Timings(HtmlPage page) =>
        page.Headers.TryGetValues("Server-Timing", out var values)
            ? [.. string.Join(", ", values).Split(", ").Select(e => e.Split(';')).Where(p => p[0] != "load").Select(p => (p[0], p[2]["desc=\"".Length..^1]))]
            : [];

    private static async Task<NpgsqlConnection> AdminAsync(WebAppFactory factory)
    {
        var admin = new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString) { ApplicationName = "webapp-test-admin", Pooling = false };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    private static async Task<NpgsqlTransaction> LockAsync(NpgsqlConnection admin, params string[] tables)
    {
        var transaction = await admin.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", tables)} IN ACCESS EXCLUSIVE MODE", admin, transaction);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return transaction;
    }

    private static async Task ExecuteAsync(NpgsqlConnection admin, string sql)
    {
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The app's sessions in this test's database that are waiting for a lock.</summary>
    private static async Task<int> WaitingSessionsAsync(NpgsqlConnection admin, WebAppFactory factory)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = @app AND wait_event_type = 'Lock'", admin);
        command.Parameters.AddWithValue("app", DatabaseServiceCollectionExtensions.ApplicationName);
        return Convert.ToInt32(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
