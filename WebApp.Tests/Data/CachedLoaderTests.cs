using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Upfront.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>The cached site-wide figures (DbLoaders.CachedQuery): the first visit queries, the next ones within the staleness do not.</summary>
public sealed class CachedLoaderTests
{
    private static readonly string[] Cached = ["home.announcement", "home.featured", "home.post_count", "home.user_count"];

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Home_SecondVisit_ServesTheFiguresFromTheCacheButStillTimesTheirLoaders(DatabaseProvider provider)
    {
        var faults = new FaultInjector();
        await using var factory = await TestSite.On(provider).WithFaults(faults).WithoutPageViews().StartAsync();
        var client = factory.CreateClient();

        var first = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);
        var queriedFirst = faults.Executed.Distinct().Order(StringComparer.Ordinal).ToList();
        faults.Reset();
        var second = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);
        var queriedSecond = faults.Executed.Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal([.. Cached.Append("home.latest").Order(StringComparer.Ordinal)], queriedFirst);
        Assert.Equal(["home.latest"], queriedSecond);
        Assert.Equal(first.Text("main"), second.Text("main"));
        var timed = string.Join(", ", second.Headers.GetValues("Server-Timing"));
        Assert.All(Cached, loader => Assert.Contains(loader + ";dur=", timed, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_AnnouncementComesFromTheCacheTheHomePageFilled_AndIsStillTimed(DatabaseProvider provider)
    {
        var faults = new FaultInjector();
        await using var factory = await TestSite.On(provider).WithFaults(faults).WithoutPageViews().StartAsync();
        var client = factory.CreateClient();
        var profile = $"/u/{SeedFacts.Prolific.Handle}";

        var first = await HtmlPage.GetAsync(client, profile, TestContext.Current.CancellationToken);
        var queriedFirst = faults.Executed.ToList();
        faults.Reset();
        await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("home.announcement", faults.Executed);
        faults.Reset();
        var second = await HtmlPage.GetAsync(client, profile, TestContext.Current.CancellationToken);
        var queriedSecond = faults.Executed.Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Contains("profile.announcement", queriedFirst);
        Assert.Equal(["profile.following", "profile.posts", "profile.stats", "profile.user"], queriedSecond);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Text(".announcement"), second.Text(".announcement"));
        Assert.Contains("profile.announcement;dur=", string.Join(", ", second.Headers.GetValues("Server-Timing")), StringComparison.Ordinal);
    }
}
