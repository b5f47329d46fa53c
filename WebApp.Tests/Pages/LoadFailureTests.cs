using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Upfront.EntityFrameworkCore.Sqlite;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>How a page fails: a failing loader fails the page at once (500) and cancels its siblings; a client that leaves is a 499. (Every loader of every page under faults: <see cref="PageFaultTests"/>.)</summary>
public sealed class LoadFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    // Well over Slow of SQLite's work on this machine when nothing stops it.
    private const long BusyRows = 2_000_000_000;

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_FailingRequiredQuery_Returns500AtOnceAndCancelsSiblings(DatabaseProvider provider)
    {
        // The siblings run real statements that the cancellation must stop in the database: pg_sleep on PostgreSQL, a
        // busy recursive query on SQLite (interrupted by SqliteStatementGate); the leak check then finds none running.
        var faults = provider == DatabaseProvider.Postgres
            ? new FaultInjector().SleepInDatabase("profile.posts", Slow).SleepInDatabase("profile.following", Slow)
            : new FaultInjector().BusyInSqlite("profile.posts", BusyRows).BusyInSqlite("profile.following", BusyRows);
        faults.Throw("profile.stats", new InvalidOperationException("injected stats failure"), "profile.posts", "profile.following");
        var logs = new LogCapture();
        await using var factory = await TestSite.On(provider).WithFaults(faults).WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(20)).StartAsync();

        var clock = Stopwatch.StartNew();
        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);
        clock.Stop();

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        Assert.Equal("Something went wrong", page.Text("#error-heading"));
        Assert.DoesNotContain("injected", page.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(" at WebApp.", page.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Slow / 3, $"took {clock.Elapsed}: the failure did not cancel the slow siblings");
        Assert.Contains("profile.posts", faults.Cancelled);
        Assert.Contains("profile.following", faults.Cancelled);
        // The log holds the original exception, not a cancellation.
        var errors = logs.AtLeast(LogEventLevel.Error).ToList();
        Assert.Contains(errors, e => e.Exception is InvalidOperationException { Message: "injected stats failure" });
        Assert.DoesNotContain(errors, e => e.Exception is OperationCanceledException);
        await factory.AssertNoLeaksAsync();
    }

    [Fact]
    public async Task Profile_ClientGoneMidLoad_LoggedAs499AtInformation()
    {
        var faults = new FaultInjector().Delay("profile.posts", Slow);
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithFaults(faults).WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(20)).OnKestrel().StartAsync();
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var client = factory.CreateClient();

        var request = client.GetAsync($"/u/{SeedFacts.Prolific.Handle}", leave.Token);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => faults.Executed.Contains("profile.posts"), () => "profile.posts never reached the database");
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => logs.Events.Any(e => LogCapture.Property(e, "StatusCode") == "499"), () => "no 499 request log line; logs: " + string.Join("\n", logs.Events.Select(e => e.Level + " " + e.RenderMessage())));
        var line = logs.Events.Single(e => LogCapture.Property(e, "StatusCode") == "499");
        Assert.Equal(LogEventLevel.Information, line.Level);
        Assert.Contains("profile.posts", line.Properties["Loaders"].ToString(), StringComparison.Ordinal);
        Assert.Contains("profile.posts", faults.Cancelled);
        Assert.Empty(logs.AtLeast(LogEventLevel.Error));
        await factory.AssertNoLeaksAsync();
    }
}
