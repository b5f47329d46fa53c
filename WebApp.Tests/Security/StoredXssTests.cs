using System.Globalization;
using System.Net;
using AngleSharp.Dom;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>
/// Stored cross-site scripting: a user and a post whose every text field holds a markup or script
/// payload are written to the test's own database, then every page that shows them is parsed. No
/// element, attribute or URL scheme may come from a payload; each payload must read back as text.
/// </summary>
public sealed class StoredXssTests
{
    private const string Handle = "xss_payload";

    private static readonly string[] Payloads =
    [
        "<script>alert('display')</script>",
        "<img src=x onerror=alert('bio')>",
        "\"><svg onload=alert('location')>",
        "javascript:alert('website')",
        "<a href=\"javascript:alert('title')\">click</a>",
        "</p><iframe src=\"javascript:alert('body')\"></iframe><p style=\"color:red\" onclick=\"alert(1)\">",
        "<details open ontoggle=alert('announce')>",
    ];

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Pages_StoredPayloadsInEveryField_RenderAsTextOnly(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        int postId;
        await using (var db = database.CreateContext())
        {
            // The model takes ids as given (the seed writes its own), so new rows need explicit ones.
            var user = new User
            {
                Id = await db.Users.MaxAsync(u => u.Id, TestContext.Current.CancellationToken) + 1,
                Handle = Handle,
                DisplayName = Payloads[0] + " Eve",
                Bio = Payloads[1],
                Location = Payloads[2],
                Website = Payloads[3],
                JoinedAt = DemoSeedOptions.Default.ReferenceTime,
            };
            db.Users.Add(user);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            var payloadPost = new Post
            {
                Id = await db.Posts.MaxAsync(p => p.Id, TestContext.Current.CancellationToken) + 1,
                UserId = user.Id,
                Title = Payloads[4],
                Body = Payloads[5] + "\n\n" + Payloads[6],
                PublishedAt = DemoSeedOptions.Default.ReferenceTime.AddMinutes(1), // the newest: on the home page
            };
            db.Posts.Add(payloadPost);
            // A popular author's follow makes the payload user show on the profile of that author too.
            db.Follows.Add(new Follow { FollowerId = SeedFacts.Prolific.Id, FolloweeId = user.Id, CreatedAt = DemoSeedOptions.Default.ReferenceTime.AddMinutes(2) });
            var announcement = await db.SiteSettings.SingleAsync(s => s.Key == DemoSeed.AnnouncementKey, TestContext.Current.CancellationToken);
            announcement.Value = Payloads[6];
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            postId = payloadPost.Id;
        }

        await using var factory = await TestSite.On(database).WithoutPageViews().StartAsync();
        var client = factory.CreateClient();
        var id = postId.ToString(CultureInfo.InvariantCulture);

        var home = await RenderAsync(client, "/");
        var directory = await RenderAsync(client, "/users?q=" + Handle);
        var profile = await RenderAsync(client, "/u/" + Handle);
        var follower = await RenderAsync(client, "/u/" + SeedFacts.Prolific.Handle);
        var postHref = home.All("#latest-posts h3 a").First(a => a.TextContent == Payloads[4]).GetAttribute("href");
        Assert.Equal($"/u/{Handle}/posts/{id}", postHref);
        var post = await RenderAsync(client, postHref!);

        // Each payload is shown, as the text it is.
        Assert.Equal(Payloads[6], home.Text(".announcement p"));
        Assert.Contains(home.All("#latest-posts h3 a"), a => a.TextContent == Payloads[4]);
        Assert.Equal(Payloads[0] + " Eve", directory.Text("#directory tbody th a"));
        Assert.Equal(Payloads[0] + " Eve", profile.Text("#profile-name"));
        Assert.Equal(Payloads[1], profile.Text("#profile-card .bio"));
        Assert.Equal(Payloads[2], profile.Text("#profile-card .location"));
        Assert.Equal(Payloads[3], profile.Text("#profile-card .website"));
        Assert.Contains(follower.All("#profile-following a"), a => a.TextContent == Payloads[0] + " Eve");
        Assert.Equal(Payloads[4], post.Text("#post-title"));
        Assert.Equal([Payloads[5], Payloads[6]], post.All("#post .post-body p").Select(p => p.TextContent));
        Assert.Equal("Avatar of " + Payloads[0] + " Eve", profile.Required("#profile-card svg.avatar").GetAttribute("aria-label"));
    }

    private static async Task<HtmlPage> RenderAsync(HttpClient client, string url)
    {
        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        AssertNothingFromPayloads(page);
        return page;
    }

    /// <summary>The page's markup is the app's own: only elements, attributes and links the templates write.</summary>
    private static void AssertNothingFromPayloads(HtmlPage page)
    {
        var all = page.All("*");
        Assert.Empty(page.All("script, iframe, img, object, embed, details, style, [style]"));
        Assert.DoesNotContain(all, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        // The only SVG is the avatar, and it holds only what _Avatar writes.
        Assert.All(page.All("svg"), svg => Assert.Equal("avatar", svg.ClassName));
        Assert.All(page.All("svg *"), e => Assert.Contains(e.LocalName, new[] { "title", "circle", "text" }));
        foreach (var link in page.All("a[href], link[href], form[action]"))
        {
            var target = (link.GetAttribute("href") ?? link.GetAttribute("action"))!.Trim();
            Assert.True(target.StartsWith('/') || target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith('#'),
                $"{page.Url}: unexpected link target '{target}' on <{link.LocalName}>");
        }

        Assert.DoesNotContain(all, e => e is IElement { LocalName: "a" } a && (a.GetAttribute("href") ?? "").Contains("javascript", StringComparison.OrdinalIgnoreCase));
    }
}
