using System.Net;
using WebApp.Data;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// Every page has exactly one <c>&lt;meta name="description"&gt;</c>, non-empty, about that page (not the
/// site-wide fallback), short enough for a search snippet, with user text encoded.
/// </summary>
public sealed class MetaDescriptionTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task EveryPage_Rendered_HasOneSpecificMetaDescription(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var author = SeedFacts.Prolific;
        var post = SeedFacts.PostsOf(author.Id)[2];
        // Each page, its status, and text its description must contain.
        var pages = new (string Url, HttpStatusCode Status, string Expected)[]
        {
            ("/", HttpStatusCode.OK, Formatting.Count(Sites.Seed.Users.Count) + " people"),
            ("/users", HttpStatusCode.OK, "directory of all " + Formatting.Count(Sites.Seed.Users.Count) + " people"),
            ("/users?q=an&sort=joined", HttpStatusCode.OK, "matches “an”"),
            ($"/u/{author.Handle}", HttpStatusCode.OK, $"{author.DisplayName} (@{author.Handle}): {author.Bio[..40]}"),
            ($"/u/{author.Handle}?page=2", HttpStatusCode.OK, $"Posts by {author.DisplayName} (@{author.Handle}), page 2"),
            ($"/u/{author.Handle}/posts/{post.Id}", HttpStatusCode.OK, $"{post.Title}, by {author.DisplayName}"),
            ("/benchmarks", HttpStatusCode.OK, "benchmark results"),
            ("/u/nobody_at_all", HttpStatusCode.NotFound, "There is no page at this address"),
            ("/users?sort=sideways", HttpStatusCode.BadRequest, "Something in the address is not valid"),
        };

        var seen = new Dictionary<string, string>();
        foreach (var (url, status, expected) in pages)
        {
            var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
            Assert.Equal(status, page.Status);
            var description = page.Required("head meta[name=description]").GetAttribute("content") ?? "";
            Assert.Single(page.All("meta[name=description]"));
            Assert.False(string.IsNullOrWhiteSpace(description), $"{url}: empty meta description");
            Assert.NotEqual(PageDescription.Site, description);
            Assert.True(description.Length <= PageDescription.MaxLength + 1, $"{url}: description of {description.Length} characters");
            Assert.True(description.Contains(expected, StringComparison.Ordinal), $"{url}: description '{description}' lacks '{expected}'");
            Assert.True(seen.TryAdd(description, url), $"{url} has the same description as {seen.GetValueOrDefault(description)}");
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profile_HostileNameAndBio_DescriptionIsEncodedText(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var hostile = SeedFacts.User(1);

        var page = await HtmlPage.GetAsync(client, $"/u/{hostile.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var expected = Formatting.Excerpt($"{hostile.DisplayName} (@{hostile.Handle}): {hostile.Bio}", PageDescription.MaxLength);
        Assert.Equal(expected, page.Required("head meta[name=description]").GetAttribute("content"));
        Assert.Empty(page.All("head script, head b, head i"));
    }
}
