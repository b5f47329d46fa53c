using System.Net;
using WebApp.Data;
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
}
