using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// Every statement a page's loader runs starts with the loader's name (<c>LoaderSqlTag</c>, from the running loader),
/// so a query found in the logs or in pg_stat_activity names the loader, and the Server-Timing entry, it belongs to.
/// </summary>
public sealed class QueryTagTests
{
    /// <summary>Loaders whose value may come from the in-memory cache, so that a request may run no SQL for them.</summary>
    private static readonly string[] CachedLoaders = ["home.announcement", "profile.announcement", "home.user_count", "home.post_count", "home.featured", "directory.count"];

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task EveryDatabaseLoader_TagsItsSqlWithItsOwnName(DatabaseProvider provider)
    {
        var faults = new FaultInjector();
        // No page-view writes: their flush is not a page loader.
        var settings = new Dictionary<string, string?> { ["PageViews:Enabled"] = "false" };
        await using var factory = await WebAppFactory.StartAsync(provider, settings, s => s.AddSingleton<IInterceptor>(faults));
        var client = factory.CreateClient();
        var prolific = SeedFacts.Prolific;
        var post = Sites.Seed.Posts.First(p => p.UserId == prolific.Id);

        foreach (var url in new[] { "/", "/users", "/users?q=a&sort=joined&page=2", "/users?q=mar", $"/u/{prolific.Handle}", $"/u/{prolific.Handle}?page=2", $"/u/{prolific.Handle}/posts/{post.Id}" })
        {
            faults.Reset();

            var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, page.Status);
            var loaders = string.Join(", ", page.Headers.GetValues("Server-Timing"))
                .Split(", ")
                .Select(entry => entry.Split(';')[0])
                .Where(name => name.Contains('.', StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
            Assert.NotEmpty(loaders);
            // Every statement carries the name of a loader of this page...
            var executed = faults.Executed.Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Empty(executed.Except(loaders));
            // ...and every loader ran its statement, unless the page serves it from the cache (IMemoryCache, Step 9).
            Assert.Empty(loaders.Except(executed).Except(CachedLoaders));
            Assert.True(faults.Untagged.IsEmpty, $"{url}: {string.Join(" | ", faults.Untagged)}");
        }
    }
}
