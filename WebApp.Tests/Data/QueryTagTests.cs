using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
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
        await using var factory = await TestSite.On(provider).With(settings).WithInterceptor(faults).StartAsync();
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
            // ...and every loader ran its statement, unless the page serves it from the cache (SiteCache).
            Assert.Empty(loaders.Except(executed).Except(CachedLoaders));
            Assert.True(faults.OutsideLoaders.IsEmpty, $"{url}: {string.Join(" | ", faults.OutsideLoaders)}");
        }
    }

    [Fact]
    public async Task OnPostgres_EveryLoaderStatement_ReachesNpgsqlWithPositionalParameters()
    {
        var seen = new SeenStatements();
        var settings = new Dictionary<string, string?> { ["PageViews:Enabled"] = "false" };
        await using var factory = await TestSite.On(DatabaseProvider.Postgres).With(settings).WithInterceptor(seen).StartAsync();
        var client = factory.CreateClient();
        var prolific = SeedFacts.Prolific;
        var post = Sites.Seed.Posts.First(p => p.UserId == prolific.Id);

        foreach (var url in new[] { "/users?q=a&sort=joined&page=2", $"/u/{prolific.Handle}?page=2", $"/u/{prolific.Handle}/posts/{post.Id}" })
        {
            var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, page.Status);
        }

        // The profile's statements with parameters, among others: each one positional, its text with $n and no @name.
        Assert.Contains("profile.posts", seen.Positional.Keys);
        Assert.Contains("profile.stats", seen.Positional.Keys);
        Assert.Contains("directory.page", seen.Positional.Keys);
        Assert.True(seen.Named.IsEmpty, string.Join(" | ", seen.Named));
        Assert.All(seen.Positional, statement => Assert.Contains("$1", statement.Value, StringComparison.Ordinal));
    }

    /// <summary>Loader statements as Npgsql receives them: positional (by tag, the text) or still named.</summary>
    private sealed class SeenStatements : DbCommandInterceptor
    {
        public ConcurrentDictionary<string, string> Positional { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Named { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (CurrentLoader.Name is { } tag && command.Parameters.Count > 0)
            {
                if (command.Parameters.Cast<DbParameter>().All(p => p.ParameterName.Length == 0) && !command.CommandText.Contains('@', StringComparison.Ordinal))
                {
                    Positional[tag] = command.CommandText;
                }
                else
                {
                    Named.Add(command.CommandText);
                }
            }

            return ValueTask.FromResult(result);
        }
    }
}
