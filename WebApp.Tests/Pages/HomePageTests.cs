using System.Net;
using WebApp.Data;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

public sealed class HomePageTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Home_Seeded_ShowsCountsFeaturedLatestAndAnnouncement(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        var page = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(Formatting.Count(Sites.Seed.Users.Count), page.Text("[data-count=users]"));
        Assert.Equal(Formatting.Count(Sites.Seed.Posts.Count), page.Text("[data-count=posts]"));

        var announcement = Sites.Seed.Settings.Single(s => s.Key == DemoSeed.AnnouncementKey).Value;
        Assert.Equal(announcement, page.Text(".announcement p"));
        Assert.Empty(page.All(".announcement try")); // "<Try>" in the text is text, not an element

        var expectedFeatured = Sites.Seed.Users
            .OrderByDescending(u => SeedFacts.Followers(u.Id)).ThenBy(u => u.Id)
            .Take(6).Select(u => "/u/" + u.Handle);
        Assert.Equal(expectedFeatured, page.All("#featured-users li a").Select(a => a.GetAttribute("href")));

        var expectedLatest = Sites.Seed.Posts.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(10).Select(p => p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expectedLatest, page.All("#latest-posts li").Select(li => li.GetAttribute("data-post-id")));
    }

    [Fact]
    public async Task Home_Response_CarriesServerTimingForEveryLoader()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        var page = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);

        var header = string.Join(", ", page.Headers.GetValues("Server-Timing"));
        foreach (var loader in new[] { "home.announcement", "home.user_count", "home.post_count", "home.featured", "home.latest" })
        {
            Assert.Matches($@"(^|, ){System.Text.RegularExpressions.Regex.Escape(loader)};dur=[0-9.]+;desc=""ok""", header);
        }
    }
}
