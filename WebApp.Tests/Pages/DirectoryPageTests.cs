using System.Net;
using WebApp.Data;
using WebApp.Pages;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

public sealed class DirectoryPageTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Directory_FirstPage_ListsTwentyByNameWithCountAndPager(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        var page = await HtmlPage.GetAsync(client, "/users", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var expected = Sites.Seed.Users.OrderBy(u => u.DisplayName, StringComparer.Ordinal).ThenBy(u => u.Handle, StringComparer.Ordinal).Take(20).ToList();
        Assert.Equal(expected.Select(u => "/u/" + u.Handle), page.All("#directory tbody th a").Select(a => a.GetAttribute("href")));
        Assert.Equal(expected.Select(u => u.DisplayName), page.All("#directory tbody th a").Select(a => a.TextContent));
        Assert.Equal($"{Formatting.Count(Sites.Seed.Users.Count)} people.", page.Text("#result-count"));
        Assert.Equal("/users?page=2", page.Required(".pager a[rel=next]").GetAttribute("href"));
        Assert.Empty(page.All(".pager a[rel=prev]"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Directory_SearchSortedByPosts_MatchesHandleOrNameCaseInsensitively(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        var page = await HtmlPage.GetAsync(client, "/users?q=%20ZOE%20&sort=posts", TestContext.Current.CancellationToken);

        var matches = Sites.Seed.Users
            .Where(u => u.Handle.Contains("zoe", StringComparison.Ordinal) || u.DisplayName.ToLowerInvariant().Contains("zoe", StringComparison.Ordinal))
            .Select(u => new { u.Handle, Posts = Sites.Seed.Posts.Count(p => p.UserId == u.Id) })
            .OrderByDescending(x => x.Posts).ThenBy(x => x.Handle, StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(matches);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("ZOE", page.Required("#q").GetAttribute("value"));
        Assert.Equal("posts", page.Required("#sort option[selected]").GetAttribute("value"));
        Assert.Equal($"{Formatting.Count(matches.Count)} people match “ZOE”.", page.Text("#result-count"));
        Assert.Equal(matches.Take(20).Select(m => "/u/" + m.Handle), page.All("#directory tbody th a").Select(a => a.GetAttribute("href")));
        Assert.Equal(matches.Take(20).Select(m => Formatting.Count(m.Posts)), page.All("#directory tbody td.num").Select(td => td.TextContent));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Directory_SecondPageByJoinDate_KeepsSortInPagerLinks(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        var page = await HtmlPage.GetAsync(client, "/users?sort=joined&page=2", TestContext.Current.CancellationToken);

        var expected = Sites.Seed.Users.OrderByDescending(u => u.JoinedAt).ThenBy(u => u.Id).Skip(20).Take(20).Select(u => "/u/" + u.Handle);
        Assert.Equal(expected, page.All("#directory tbody th a").Select(a => a.GetAttribute("href")));
        Assert.Equal("/users?sort=joined", page.Required(".pager a[rel=prev]").GetAttribute("href"));
        Assert.Equal("/users?sort=joined&page=3", page.Required(".pager a[rel=next]").GetAttribute("href"));
    }

    [Fact]
    public async Task Directory_NoMatch_SaysSoWithoutATable()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        var page = await HtmlPage.GetAsync(client, "/users?q=%3Cmarquee%3E", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.All("#directory"));
        Assert.Empty(page.All("main marquee"));
        Assert.Equal("0 people match “<marquee>”.", page.Text("#result-count"));
    }

    [Theory]
    [InlineData("/users?sort=age", HttpStatusCode.BadRequest)]
    [InlineData("/users?sort=1", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=0", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=-1", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=abc", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=99999999999", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=1.5", HttpStatusCode.BadRequest)]
    [InlineData("/users?page=26", HttpStatusCode.NotFound)]
    public async Task Directory_InvalidQuery_ReturnsHelpfulErrorPage(string url, HttpStatusCode expected)
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

        Assert.Equal(expected, page.Status);
        Assert.Equal(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), page.Text(".status-code"));
        Assert.NotEmpty(page.Text("#error-heading"));
        Assert.Equal("/users", page.Required(".error-page a[href='/users']").GetAttribute("href"));
    }

    [Fact]
    public async Task Directory_QueryLongerThan100Characters_Returns400()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        var page = await HtmlPage.GetAsync(client, "/users?q=" + new string('a', 101), TestContext.Current.CancellationToken);
        var trimmed = await HtmlPage.GetAsync(client, "/users?q=" + new string('a', 100) + "%20%20", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(HttpStatusCode.OK, trimmed.Status);
    }

    [Fact]
    public async Task Directory_PagePastTheEnd_Is404AfterBothLoadersInOneGo_AndTheLastPageHasTheRest()
    {
        var faults = new FaultInjector();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithFaults(faults).WithoutPageViews().StartAsync();
        var client = factory.CreateClient();
        var users = Sites.Seed.Users.Count;
        var last = (users + DirectoryModel.PageSize - 1) / DirectoryModel.PageSize;

        var past = await HtmlPage.GetAsync(client, $"/users?page={last + 1}", TestContext.Current.CancellationToken);
        var pastQueries = faults.Executed.ToList();
        faults.Reset();
        var lastPage = await HtmlPage.GetAsync(client, $"/users?page={last}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, past.Status);
        // The rows are read beside the count, not after it: a page past the end costs what the last page costs.
        Assert.Equal(["directory.count", "directory.page"], pastQueries.Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, lastPage.Status);
        Assert.Equal(users - (last - 1) * DirectoryModel.PageSize, lastPage.All("#directory tbody tr").Count);
        Assert.Contains("directory.page", faults.Executed);
    }

    [Fact]
    public async Task Directory_UnfilteredCountIsCached_ASearchCountIsNot()
    {
        var faults = new FaultInjector();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithFaults(faults).WithoutPageViews().StartAsync();
        var client = factory.CreateClient();

        (await client.GetAsync("/users", TestContext.Current.CancellationToken)).Dispose();
        faults.Reset();
        (await client.GetAsync("/users?page=2", TestContext.Current.CancellationToken)).Dispose();
        var unfiltered = faults.Executed.ToList();
        faults.Reset();
        (await client.GetAsync("/users?q=zoe", TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(["directory.page"], unfiltered);
        Assert.Equal(["directory.count", "directory.page"], faults.Executed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Directory_FirstPage_DoesNotWaitForTheCount()
    {
        // Only a later page needs the count first (to skip reading a page past the end).
        var faults = new FaultInjector().Delay("directory.count", TimeSpan.FromSeconds(1));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithFaults(faults).WithoutPageViews().StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/users?q=zoe", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var pageMs = ServerTimingEntries.Durations(page.Headers.GetValues("Server-Timing")).Single(d => d.Name == "directory.page").Ms;
        Assert.True(pageMs < 500, $"directory.page took {pageMs} ms while the count was held for 1000 ms: it waited for the count");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Directory_Search_KeepsTheTextInPagerLinks_AndSortNameIsTheDefault(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        var search = await HtmlPage.GetAsync(client, "/users?q=a", TestContext.Current.CancellationToken);
        var byName = await HtmlPage.GetAsync(client, "/users?sort=name", TestContext.Current.CancellationToken);
        var byDefault = await HtmlPage.GetAsync(client, "/users?sort=", TestContext.Current.CancellationToken);
        var plain = await HtmlPage.GetAsync(client, "/users", TestContext.Current.CancellationToken);

        Assert.Equal("/users?q=a&page=2", search.Required(".pager a[rel=next]").GetAttribute("href"));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (byName.Status, byDefault.Status));
        Assert.Equal(plain.Text("#directory"), byName.Text("#directory"));
        Assert.Equal(plain.Text("#directory"), byDefault.Text("#directory"));
        Assert.Equal("/users?page=2", byName.Required(".pager a[rel=next]").GetAttribute("href"));
    }
}
