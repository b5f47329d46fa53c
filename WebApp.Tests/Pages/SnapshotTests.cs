using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// Every page's HTML against a stored baseline, on both providers, from the same seed and a fixed
/// clock: one snapshot per page, so SQLite and PostgreSQL must render byte-for-byte alike.
/// </summary>
public sealed class SnapshotTests
{
    public static TheoryData<DatabaseProvider, string, string, int> Pages()
    {
        var author = SeedFacts.Prolific;
        var post = SeedFacts.PostsOf(author.Id)[2];
        var data = new TheoryData<DatabaseProvider, string, string, int>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            data.Add(provider, "home", "/", 200);
            data.Add(provider, "directory", "/users", 200);
            data.Add(provider, "directory-search", "/users?q=an&sort=joined", 200);
            data.Add(provider, "profile", $"/u/{author.Handle}", 200);
            data.Add(provider, "profile-page-2", $"/u/{author.Handle}?page=2", 200);
            data.Add(provider, "profile-hostile", $"/u/{SeedFacts.User(1).Handle}", 200);
            data.Add(provider, "post", $"/u/{author.Handle}/posts/{post.Id}", 200);
            data.Add(provider, "404", "/u/nobody_at_all", 404);
            data.Add(provider, "400", "/users?sort=sideways", 400);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Rendered_AnswersItsStatusAndMatchesSnapshot(DatabaseProvider provider, string name, string url, int status)
    {
        var client = await Sites.ClientAsync(provider);

        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        HtmlSnapshot.Default.Match(name, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task ErrorPages_500And504_AnswerTheirStatusAndMatchSnapshots(DatabaseProvider provider)
    {
        var faults = new FaultInjector()
            .Throw("profile.stats", new InvalidOperationException("injected"))
            .Delay("post.post", TimeSpan.FromSeconds(30));
        await using var factory = await TestSite.On(provider).With("Loading:RequestTimeout", "00:00:01").WithFaults(faults).WithFixedClock().StartAsync();
        var client = factory.CreateClient();
        var author = SeedFacts.Prolific;

        using var failed = await client.GetAsync($"/u/{author.Handle}", TestContext.Current.CancellationToken);
        using var timedOut = await client.GetAsync($"/u/{author.Handle}/posts/{SeedFacts.PostsOf(author.Id)[0].Id}", TestContext.Current.CancellationToken);

        Assert.Equal(500, (int)failed.StatusCode);
        Assert.Equal(504, (int)timedOut.StatusCode);
        HtmlSnapshot.Default.Match("500", await failed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        HtmlSnapshot.Default.Match("504", await timedOut.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
