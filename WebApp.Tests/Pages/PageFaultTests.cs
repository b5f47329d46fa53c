using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using WebApp.Data;
using WebApp.Pages;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// Every page under faults, on both providers: each of its loaders in turn is slow (past the deadline), fails,
/// hangs (ignores its token), or its client leaves mid-load; each case ends with the leak check (no request
/// answered while a loader ran, in-flight registry back to 0, no app statement left in PostgreSQL). One host per
/// provider serves the whole class (its tests run one after another); the faults are reset between cases.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class PageFaultTests(PageFaultTests.Sites sites) : IClassFixture<PageFaultTests.Sites>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ClientLeftBound = TimeSpan.FromSeconds(3);

    // A hanging loader ignores its token until a little after the deadline: the page must wait for it (R3).
    private static readonly TimeSpan Hang = Deadline + TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(15);

    public enum Fault
    {
        Slow,
        Failing,
        Hanging,
        ClientLeaves,
    }

    /// <summary>Each page's URL and the loaders it starts (their SQL tags).</summary>
    public static IReadOnlyDictionary<string, (string Url, string[] Loaders)> PageLoaders { get; } = new Dictionary<string, (string, string[])>
    {
        ["home"] = ("/", ["home.announcement", "home.user_count", "home.post_count", "home.featured", "home.latest"]),
        ["directory"] = ("/users?q=an", ["directory.count", "directory.page"]),
        ["profile"] = ($"/u/{SeedFacts.Prolific.Handle}", ["profile.user", "profile.stats", "profile.posts", "profile.following", "profile.announcement"]),
        ["post"] = ($"/u/{SeedFacts.Prolific.Handle}/posts/{SeedFacts.PostsOf(SeedFacts.Prolific.Id)[0].Id.ToString(CultureInfo.InvariantCulture)}", ["post.post", "post.author", "post.more"]),
    };

    public static TheoryData<DatabaseProvider, string, Fault> Cases()
    {
        var data = new TheoryData<DatabaseProvider, string, Fault>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var loader in PageLoaders.Values.SelectMany(p => p.Loaders))
            {
                foreach (var fault in Enum.GetValues<Fault>())
                {
                    data.Add(provider, loader, fault);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Page_LoaderFault_AnswersAsPromisedAndLeavesNothingRunning(DatabaseProvider provider, string loader, Fault fault)
    {
        var site = await sites.GetAsync(provider);
        var url = PageLoaders.Values.Single(p => p.Loaders.Contains(loader)).Url;
        site.Faults.Reset();
        // The home page's figures come from the cache: evict them so that every loader runs its query.
        var cache = site.Factory.Services.GetRequiredService<IMemoryCache>();
        foreach (var key in SiteCache.Keys)
        {
            cache.Remove(key);
        }

        site.Probe.Ended.Clear();
        var logsBefore = site.Logs.Events.Count;
        var client = site.Factory.CreateClient();

        switch (fault)
        {
            case Fault.Slow:
            {
                SlowQuery(site, loader);
                var (page, elapsed) = await TimedGetAsync(client, url, retryIf: e => e > Deadline + Margin);

                Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
                Assert.Equal("This page took too long", page.Text("#error-heading"));
                AssertWithinDeadline(elapsed, Deadline, $"{url} with {loader} slow");
                Assert.Contains(loader, site.Faults.Cancelled);
                break;
            }

            case Fault.Failing:
            {
                site.Faults.Throw(loader, new InvalidOperationException("injected failure of " + loader));
                var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

                // 500, not 504: the failure ended the page before the deadline did.
                Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
                Assert.Equal("Something went wrong", page.Text("#error-heading"));
                Assert.DoesNotContain("injected", page.Document.Body!.TextContent, StringComparison.Ordinal);
                Assert.Contains(site.Logs.Events.Skip(logsBefore), e => e.Level >= LogEventLevel.Error && e.Exception is InvalidOperationException { Message: var m } && m.EndsWith(loader, StringComparison.Ordinal));
                break;
            }

            case Fault.Hanging:
            {
                site.Faults.Hang(loader, Hang);
                var (page, elapsed) = await TimedGetAsync(client, url, retryIf: e => e > Hang + Margin);

                // The deadline passed while the loader hung: 504, but only once the loader has ended (no orphan).
                Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
                // Less the timers' 15 ms granularity: the hang's Task.Delay may end a millisecond before a stopwatch says
                // (seen in CI: 1399 ms for 1400). An orphaned loader would answer at the deadline, 400 ms before.
                Assert.True(elapsed >= Hang - TimerGranularity, $"{url} answered after {elapsed.TotalMilliseconds:F0} ms, before its hanging loader {loader} ended ({Hang.TotalMilliseconds:F0} ms)");
                Assert.True(elapsed <= Hang + Margin, $"{url} answered after {elapsed.TotalMilliseconds:F0} ms; its loader hung {Hang.TotalMilliseconds:F0} ms");
                break;
            }

            case Fault.ClientLeaves:
            {
                SlowQuery(site, loader);
                using var leave = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                var request = client.GetAsync(url, leave.Token);
                await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => site.Faults.Executed.Contains(loader), () => $"{loader} never reached the database");
                await leave.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

                // The server ends the request soon after the client left: the loader was cancelled, not awaited to its
                // end (Slow, 10 s). Noticing the closed socket and cancelling a PostgreSQL statement (a cancel request on
                // a connection of its own) took over a second once on this shared 2-core machine: 3 s, still far from 10.
                await Eventually.HoldsAsync(ClientLeftBound, () => !site.Probe.Ended.IsEmpty, () => $"{url} still running on the server after its client left");
                Assert.Contains(loader, site.Faults.Cancelled);
                break;
            }
        }

        // A cancellation (deadline, client gone, siblings stopped by a failure) is never logged as an error (R4);
        // a client that left is not an error at all.
        var errors = site.Logs.Events.Skip(logsBefore)
            .Where(e => e.Level >= LogEventLevel.Error && (fault == Fault.ClientLeaves || e.Exception is OperationCanceledException))
            .Select(e => e.RenderMessage() + " " + e.Exception?.GetType().Name).ToList();
        Assert.True(errors.Count == 0, "errors logged: " + string.Join("\n", errors));
        await site.Factory.AssertNoLeaksAsync(site.Probe);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Page_TwoConfiguredDeadlines_EachAnswers504WithinItsOwnDeadlinePlus500Ms(DatabaseProvider provider)
    {
        var shortSite = await sites.GetAsync(provider);
        var longDeadline = Deadline + TimeSpan.FromSeconds(1.5);
        var longSite = await StartAsync(provider, longDeadline);
        await using var longFactory = longSite.Factory;
        var url = PageLoaders["profile"].Url;

        var times = new List<TimeSpan>();
        foreach (var (site, deadline) in new[] { (shortSite, Deadline), (longSite, longDeadline) })
        {
            site.Faults.Reset();
            site.Probe.Ended.Clear();
            SlowQuery(site, "profile.posts");
            var (page, elapsed) = await TimedGetAsync(site.Factory.CreateClient(), url, retryIf: e => e > deadline + Margin);
            TestContext.Current.TestOutputHelper?.WriteLine($"{provider}: 504 after {elapsed.TotalMilliseconds:F0} ms (deadline {deadline.TotalMilliseconds:F0} ms)");

            Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
            AssertWithinDeadline(elapsed, deadline, $"Loading:RequestTimeout={deadline}");
            await site.Factory.AssertNoLeaksAsync(site.Probe);
            times.Add(elapsed);
        }

        Assert.True(times[1] - times[0] >= longDeadline - Deadline - Margin, $"deadlines {Deadline} and {longDeadline} answered after {times[0]} and {times[1]}");
    }

    /// <summary>A query that would take <see cref="Slow"/> and honours its token; on PostgreSQL a real server-side sleep.</summary>
    private static void SlowQuery(Site site, string loader)
    {
        if (site.Factory.Database.Provider == DatabaseProvider.Postgres)
        {
            site.Faults.SleepInDatabase(loader, Slow);
        }
        else
        {
            site.Faults.Delay(loader, Slow);
        }
    }

    private static readonly TimeSpan TimerTick = TimeSpan.FromMilliseconds(4);

    /// <summary>504 from the deadline: not before it, and within <see cref="Margin"/> of it, measured from the request start.</summary>
    internal static void AssertWithinDeadline(TimeSpan elapsed, TimeSpan deadline, string what)
    {
        // .NET timers run on Environment.TickCount64, which on Linux reads the coarse monotonic clock: it moves in
        // kernel ticks (4 ms on this machine: clock_getres(CLOCK_MONOTONIC_COARSE)), so the deadline's timer can fire
        // up to a tick before a Stopwatch says it is due (a CI run saw 2.9 ms): "not before" allows that tick and no more.
        Assert.True(elapsed >= deadline - TimerTick, $"{what}: 504 after {elapsed.TotalMilliseconds:F1} ms, before the {deadline.TotalMilliseconds:F0} ms deadline");
        Assert.True(elapsed <= deadline + Margin, $"{what}: 504 after {elapsed.TotalMilliseconds:F0} ms, later than the {deadline.TotalMilliseconds:F0} ms deadline + {Margin.TotalMilliseconds:F0} ms");
    }

    /// <summary>
    /// The page and the time it took from the request start. On this shared machine a request can lose hundreds of
    /// milliseconds to the scheduler, so a timed request that missed its bound (<paramref name="retryIf"/>) is tried
    /// once more; a regression (a deadline not honoured, a loader that outlives its token) misses it both times.
    /// </summary>
    internal static async Task<(HtmlPage Page, TimeSpan Elapsed)> TimedGetAsync(HttpClient client, string url, Func<TimeSpan, bool>? retryIf = null)
    {
        var clock = Stopwatch.StartNew();
        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
        var elapsed = clock.Elapsed;
        if (retryIf is not null && retryIf(elapsed))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{url}: {elapsed.TotalMilliseconds:F0} ms, out of bounds; trying once more");
            clock.Restart();
            page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
            elapsed = clock.Elapsed;
        }

        return (page, elapsed);
    }

    /// <summary>One site per provider with the class's deadline, serving every case; the faults are reset between cases.</summary>
    public sealed class Sites : ClassSites<Site>
    {
        protected override Task<Site> StartAsync(DatabaseProvider provider) => PageFaultTests.StartAsync(provider, Deadline);
    }

    /// <summary>A host with faults, a request-end probe and a log capture, warmed up (every page, the 500 and 504 pages).</summary>
    private static async Task<Site> StartAsync(DatabaseProvider provider, TimeSpan deadline)
    {
        var faults = new FaultInjector();
        var probe = new RequestEndProbe();
        var logs = new LogCapture();
        var factory = await TestSite.On(provider).With(new Dictionary<string, string?>
            {
                ["Loading:RequestTimeout"] = deadline.ToString("c", CultureInfo.InvariantCulture),
                ["PageViews:Enabled"] = "false",
                ["Serilog:MinimumLevel:Default"] = "Information",
            }).WithFaults(faults).WithServices(services =>
            {
                services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(probe);
                services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
            }).OnKestrel().StartAsync(); // a real socket: a client that leaves closes it
        var client = factory.CreateClient();
        foreach (var (url, _) in PageLoaders.Values)
        {
            using var warm = await client.GetAsync(url, TestContext.Current.CancellationToken);
        }

        // The error pages compile on first use: a timed 500 or 504 must not pay for that.
        faults.Throw("home.latest", new InvalidOperationException("warm-up"));
        using (await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
        }

        faults.Reset();
        faults.Delay("home.latest", Slow);
        using (await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
        }

        faults.Reset();
        return new Site(factory, faults, probe, logs);
    }

    public sealed record Site(WebAppFactory Factory, FaultInjector Faults, RequestEndProbe Probe, LogCapture Logs) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }
}
