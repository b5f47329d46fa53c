using System.Globalization;
using System.Net;
using WebApp.Data;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

public sealed class ProfilePageTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_FirstPage_ShowsCardStatsNewestPostsFollowingAndAnnouncement(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var user = SeedFacts.Prolific;

        var page = await HtmlPage.GetAsync(client, $"/u/{user.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(user.DisplayName, page.Text("#profile-name"));
        Assert.Equal("@" + user.Handle, page.Text("#profile-card .handle"));
        Assert.Equal($"Joined {Formatting.Date(user.JoinedAt)}", page.Text("#profile-card .joined"));
        Assert.Equal(Formatting.IsoDate(user.JoinedAt), page.Required("#profile-card .joined time").GetAttribute("datetime"));

        var posts = SeedFacts.PostsOf(user.Id);
        var weekStart = DateOnly.FromDateTime(DemoSeedOptions.Default.ReferenceTime).AddDays(-7);
        Assert.Equal(Formatting.Count(posts.Count), page.Text("[data-stat=posts]"));
        Assert.Equal(Formatting.Count(SeedFacts.Followers(user.Id)), page.Text("[data-stat=followers]"));
        Assert.Equal(Formatting.Count(SeedFacts.Following(user.Id)), page.Text("[data-stat=following]"));
        Assert.Equal(Formatting.Count(SeedFacts.Views(user.Id, weekStart)), page.Text("[data-stat=views-week]"));
        Assert.Equal(Formatting.Count(SeedFacts.Views(user.Id)), page.Text("[data-stat=views-total]"));

        Assert.Equal(posts.Take(10).Select(p => p.Id.ToString(CultureInfo.InvariantCulture)), page.All("#profile-posts li").Select(li => li.GetAttribute("data-post-id")));
        Assert.Equal(posts[0].Title, page.All("#profile-posts li h3 a")[0].TextContent);
        Assert.Equal($"/u/{user.Handle}/posts/{posts[0].Id}", page.All("#profile-posts li h3 a")[0].GetAttribute("href"));
        Assert.Equal($"/u/{user.Handle}?page=2", page.Required("#profile-posts .pager a[rel=next]").GetAttribute("href"));

        var followees = Sites.Seed.Follows.Where(f => f.FollowerId == user.Id).OrderByDescending(f => f.CreatedAt).ThenBy(f => f.FolloweeId).Take(8);
        Assert.Equal(followees.Select(f => "/u/" + SeedFacts.User(f.FolloweeId).Handle), page.All("#profile-following li a").Select(a => a.GetAttribute("href")));
        Assert.Single(page.All(".announcement"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_SecondPage_ShowsTheNextTenPostsAndBothLinks(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var user = SeedFacts.Prolific;

        var page = await HtmlPage.GetAsync(client, $"/u/{user.Handle}?page=2", TestContext.Current.CancellationToken);

        var expected = SeedFacts.PostsOf(user.Id).Skip(10).Take(10).Select(p => p.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(expected, page.All("#profile-posts li").Select(li => li.GetAttribute("data-post-id")));
        Assert.Equal($"/u/{user.Handle}", page.Required("#profile-posts .pager a[rel=prev]").GetAttribute("href"));
        Assert.Equal("Page 2 of " + ((SeedFacts.PostsOf(user.Id).Count + 9) / 10).ToString(CultureInfo.InvariantCulture), page.Text(".pager-position"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_HostileSeedText_IsEncodedAndInert(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var mallory = SeedFacts.User(1);

        var page = await HtmlPage.GetAsync(client, $"/u/{mallory.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(mallory.DisplayName, page.Text("#profile-name"));
        Assert.Equal(mallory.Bio, page.Text("#profile-card .bio"));
        Assert.Empty(page.All("main script, #profile-card b, #profile-card i"));
        // javascript: is shown as text, never as a link.
        Assert.Equal(mallory.Website, page.Text("#profile-card .website"));
        Assert.Empty(page.All("#profile-card .website a"));
        Assert.DoesNotContain(page.All("a[href]"), a => a.GetAttribute("href")!.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/u/nobody_here", HttpStatusCode.NotFound)]
    [InlineData("/u/UPPER", HttpStatusCode.NotFound)]
    [InlineData("/u/a%27b", HttpStatusCode.NotFound)]
    [InlineData("/u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HttpStatusCode.NotFound)]
    [InlineData("/u/ada_lovelace?page=0", HttpStatusCode.BadRequest)]
    [InlineData("/u/ada_lovelace?page=x", HttpStatusCode.BadRequest)]
    public async Task Profile_BadHandleOrPage_ReturnsErrorPage(string url, HttpStatusCode expected)
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

        Assert.Equal(expected, page.Status);
        Assert.Equal(((int)expected).ToString(CultureInfo.InvariantCulture), page.Text(".status-code"));
    }

    [Fact]
    public async Task Profile_PagePastTheLast_Returns404()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var user = SeedFacts.Prolific;
        var pages = (SeedFacts.PostsOf(user.Id).Count + 9) / 10;

        var last = await HtmlPage.GetAsync(client, $"/u/{user.Handle}?page={pages}", TestContext.Current.CancellationToken);
        var past = await HtmlPage.GetAsync(client, $"/u/{user.Handle}?page={pages + 1}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, last.Status);
        Assert.Empty(last.All(".pager a[rel=next]"));
        Assert.Equal(HttpStatusCode.NotFound, past.Status);
    }
}
