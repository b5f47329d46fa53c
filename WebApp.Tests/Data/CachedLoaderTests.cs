using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>The home page's cached figures (DbLoaders.CachedQuery): the first visit queries, the next ones within the staleness do not.</summary>
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
}
