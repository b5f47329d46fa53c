using System.Globalization;
using System.Net;
using WebApp.Data;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

public sealed class PostPageTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Post_Existing_ShowsPostAuthorAndMoreFromAuthor(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var author = SeedFacts.Prolific;
        var posts = SeedFacts.PostsOf(author.Id);
        var post = posts[3];

        var page = await HtmlPage.GetAsync(client, $"/u/{author.Handle}/posts/{post.Id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(post.Title, page.Text("#post-title"));
        var paragraphs = post.Body.Split("\n\n");
        Assert.Equal(paragraphs, page.All("#post .post-body p").Select(p => p.TextContent));
        Assert.Equal($"{Formatting.Count(post.LikeCount)} likes", page.Text("#post .likes"));
        Assert.Equal(author.DisplayName, page.Text("#author-card a"));
        var more = posts.Where(p => p.Id != post.Id).Take(5).Select(p => p.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(more, page.All("#more-posts li").Select(li => li.GetAttribute("data-post-id")));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Post_HostileText_RendersAsText(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var post = Sites.Seed.Posts.First(p => p.Body.Contains("<img", StringComparison.Ordinal));
        var author = SeedFacts.User(post.UserId);

        var page = await HtmlPage.GetAsync(client, $"/u/{author.Handle}/posts/{post.Id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.All("#post img, #post strong, main script"));
        Assert.Contains(page.All("#post .post-body p"), p => p.TextContent.Contains("<img src=x onerror=alert(1)>", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/u/{handle}/posts/999999")]
    [InlineData("/u/{other}/posts/{id}")]
    [InlineData("/u/{handle}/posts/0")]
    [InlineData("/u/{handle}/posts/-1")]
    [InlineData("/u/{handle}/posts/abc")]
    [InlineData("/u/{handle}/posts/99999999999999")]
    public async Task Post_UnknownOrMismatched_Returns404(string template)
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var author = SeedFacts.Prolific;
        var other = SeedFacts.User(author.Id + 1);
        var url = template.Replace("{handle}", author.Handle, StringComparison.Ordinal)
            .Replace("{other}", other.Handle, StringComparison.Ordinal)
            .Replace("{id}", SeedFacts.PostsOf(author.Id)[0].Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Equal("Page not found", page.Text("#error-heading"));
    }

    [Theory]
    [InlineData("One.\n\nTwo.", new[] { "One.", "Two." })]
    [InlineData("One.\r\n\r\nTwo.\rstill two.", new[] { "One.", "Two.\nstill two." })]
    [InlineData("  One.  \n\n\n\n\n  \n\nTwo.\n\n", new[] { "One.", "Two." })]
    [InlineData("\n\n", new string[0])]
    public void Paragraphs_SplitOnBlankLines_TrimmedAndNeverEmpty(string body, string[] paragraphs) =>
        Assert.Equal(paragraphs, new WebApp.Pages.PostDetail(1, "Title", body, new DateTime(2026, 1, 1), 0).Paragraphs);
}
