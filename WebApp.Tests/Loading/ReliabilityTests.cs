using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Loading;

/// <summary>
/// Deadlines and failures end to end with real parts: PostgreSQL running real sleeping queries, a real
/// HTTP downstream on a socket, real client disconnects. Every test ends with a leak check.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class ReliabilityTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Profile_QuerySleepsInPostgres_Returns504WithinDeadlinePlus500MsAndTheServerQueryIsGone()
    {
        var faults = new FaultInjector().SleepInDatabase("profile.posts", Slow);
        await using var factory = await Site(faults).StartAsync();
        await WarmUpAsync(factory, faults);

        var (page, elapsed) = await WebApp.Tests.Pages.PageFaultTests.TimedGetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", retryIf: e => e > Deadline + TimeSpan.FromMilliseconds(500));

        TestContext.Current.TestOutputHelper?.WriteLine($"504 after {elapsed.TotalMilliseconds:F0} ms (deadline {Deadline.TotalMilliseconds:F0} ms)");
        Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
        WebApp.Tests.Pages.PageFaultTests.AssertWithinDeadline(elapsed, Deadline, "profile.posts sleeping in PostgreSQL");
        Assert.Contains("profile.posts", faults.Cancelled);
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public async Task Profile_ActivityAnswers_ShowsTheUsersActivity()
    {
        await using var stub = await StubActivityServer.StartAsync();
        // About what an answer shows, not the budget (the next test): the first call's start-up cost on a busy machine can
        // pass the default 300 ms, which would show "unavailable" instead.
        await using var factory = await Site(new FaultInjector()).With("Activity:BaseUrl", stub.BaseUrl).With("Activity:Budget", "00:00:05").StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Online now", page.Text("#profile-activity .presence"));
        Assert.Equal("· 12-day streak", page.Text("#profile-activity .streak"));
        Assert.Equal([SeedFacts.Prolific.Handle], stub.Requests);
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public async Task Profile_ActivitySleeps_Returns200WithinBudgetPlus300MsAndAbortsTheCall()
    {
        await using var stub = await StubActivityServer.StartAsync();
        await using var factory = await Site(new FaultInjector()).With("Activity:BaseUrl", stub.BaseUrl).StartAsync();
        await WarmUpAsync(factory, null); // the activity answers at once while the page warms up
        stub.Behaviour = StubActivityServer.Mode.Slow;
        var budget = TimeSpan.FromMilliseconds(300); // Activity:Budget's default

        var (page, elapsed) = await WebApp.Tests.Pages.PageFaultTests.TimedGetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", retryIf: e => e > budget + TimeSpan.FromMilliseconds(300));

        TestContext.Current.TestOutputHelper?.WriteLine($"200 after {elapsed.TotalMilliseconds:F0} ms (budget 300 ms, stub sleeps 30 s)");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Activity unavailable right now.", page.Text("#profile-activity .unavailable"));
        Assert.True(elapsed >= budget, $"the page answered after {elapsed.TotalMilliseconds:F0} ms, before the activity's {budget.TotalMilliseconds:F0} ms budget");
        Assert.True(elapsed <= budget + TimeSpan.FromMilliseconds(300), $"the page waited {elapsed.TotalMilliseconds:F0} ms for a {budget.TotalMilliseconds:F0} ms budget (allowed: budget + 300 ms)");
        // The stub sees its request aborted: the outgoing call was cancelled, not left waiting.
        await stub.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await factory.AssertNoLeaksAsync();
    }

    [Theory]
    [InlineData(StubActivityServer.Mode.ServerError)]
    [InlineData(StubActivityServer.Mode.Garbage)]
    public async Task Profile_ActivityFails_Returns200UnavailableAndWarns(StubActivityServer.Mode mode)
    {
        await using var stub = await StubActivityServer.StartAsync();
        stub.Behaviour = mode;
        var logs = new LogCapture();
        await using var factory = await Site(new FaultInjector()).WithLogs(logs).With("Activity:BaseUrl", stub.BaseUrl).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Activity unavailable right now.", page.Text("#profile-activity .unavailable"));
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && LogCapture.Property(e, "Loader") == "profile.activity");
        Assert.Empty(logs.AtLeast(LogEventLevel.Error));
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public async Task Profile_ActivityNotConfigured_HasNoSectionAndNoCall()
    {
        await using var factory = await Site(new FaultInjector()).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.All("#profile-activity"));
        Assert.DoesNotContain("profile.activity", string.Join(",", page.Headers.GetValues("Server-Timing")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_ClientDisconnectsMidLoad_CancelsLoadersAndLogsNoError()
    {
        var faults = new FaultInjector().SleepInDatabase("profile.posts", Slow);
        var logs = new LogCapture();
        await using var factory = await Site(faults).WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(20)).OnKestrel().StartAsync();
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var request = factory.CreateClient().GetAsync($"/u/{SeedFacts.Prolific.Handle}", leave.Token);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => faults.Executed.Contains("profile.posts"), () => "profile.posts never ran");

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        await factory.AssertNoLeaksAsync();
        Assert.Contains("profile.posts", faults.Cancelled);
        Assert.Empty(logs.AtLeast(LogEventLevel.Error));
    }

    [Fact]
    public async Task Site_200ConcurrentRequestsWithSlowAndFailingLoadersOnASmallPool_AnswersAsExpectedAndLeavesNothing()
    {
        var users = Sites.Seed.Users.Take(200).ToList();
        var slow = users.Where((_, i) => i % 10 == 3).Select(u => u.Handle).ToHashSet();
        var failing = users.Where((_, i) => i % 10 == 7).Select(u => u.Handle).ToHashSet();
        var faults = new FaultInjector();
        foreach (var handle in slow)
        {
            faults.SleepInDatabase("profile.posts", Slow, FaultInjector.HasParameter(handle));
        }

        foreach (var handle in failing)
        {
            faults.ThrowWhen("profile.following", new InvalidOperationException("injected for " + handle), FaultInjector.HasParameter(handle));
        }

        // 200 requests of 5 queries each want 1,000 connections; the pool has 30. It must only be larger
        // than the 20 queries that sleep until the deadline, or they would starve every other page.
        var logs = new LogCapture();
        // The deadline is generous: the point is the outcome of each request, not speed on a shared 2-core machine.
        await using var factory = await Site(faults).WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(10)).WithPoolSize(30).StartAsync();
        var client = factory.CreateClient();
        using (await client.GetAsync($"/u/{users[0].Handle}", TestContext.Current.CancellationToken))
        {
            // Warm-up: compiles the page's queries once before the burst.
        }

        var answers = await Task.WhenAll(users.Select(async user =>
        {
            using var response = await client.GetAsync($"/u/{user.Handle}", TestContext.Current.CancellationToken);
            return (user.Handle, Status: (int)response.StatusCode);
        }));

        Assert.All(answers, a => Assert.Equal(slow.Contains(a.Handle) ? 504 : failing.Contains(a.Handle) ? 500 : 200, a.Status));
        var errors = logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception?.ToString() ?? e.RenderMessage()).ToList();
        Assert.DoesNotContain(errors, e => e.Contains("second operation", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(errors, e => e.Contains("pool", StringComparison.OrdinalIgnoreCase));
        await factory.AssertNoLeaksAsync();
    }

    /// <summary>One page and the error page with faults off, so a timed request pays no first-use cost.</summary>
    private static async Task WarmUpAsync(WebAppFactory factory, FaultInjector? faults)
    {
        if (faults is not null)
        {
            faults.Active = false;
        }

        var client = factory.CreateClient();
        using (await client.GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken))
        using (await client.GetAsync("/no/such/page", TestContext.Current.CancellationToken))
        {
        }

        if (faults is not null)
        {
            faults.Active = true;
        }
    }

    /// <summary>PostgreSQL, the faults, and the class's deadline unless the test gives its own.</summary>
    private static TestSite Site(FaultInjector faults) =>
        TestSite.On(DatabaseProvider.Postgres).WithFaults(faults).WithDeadline(Deadline).With("Activity:BaseUrl", "");
}
