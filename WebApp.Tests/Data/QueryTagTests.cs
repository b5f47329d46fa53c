using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Loading;
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

    [Fact]
    public async Task OnPostgres_EveryLoaderStatement_ReachesNpgsqlWithPositionalParameters()
    {
        var seen = new SeenStatements();
        var settings = new Dictionary<string, string?> { ["PageViews:Enabled"] = "false" };
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Postgres, settings, s => s.AddSingleton<IInterceptor>(seen));
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

    [Theory]
    [InlineData("SELECT u.id FROM users AS u WHERE u.handle = @handle LIMIT 1", "@handle", "SELECT u.id FROM users AS u WHERE u.handle = $1 LIMIT 1")]
    [InlineData("SELECT 1 WHERE @handle = 'a' OFFSET @skip", "@skip @handle", "SELECT 1 WHERE $2 = 'a' OFFSET $1")]
    [InlineData("SELECT @handle, @handle", "@handle", "SELECT $1, $1")]
    [InlineData("SELECT @p0 + @p", "@p @p0", "SELECT $2 + $1")]
    [InlineData("SELECT '@p', 'it''s @p', \"@p\", x @> @p -- @p\n/* @p */ FROM t", "@p", "SELECT '@p', 'it''s @p', \"@p\", x @> $1 -- @p\n/* @p */ FROM t")]
    [InlineData("SELECT @handle", "@handle @skip", null)]
    [InlineData("SELECT @handle; SELECT 1", "@handle", null)]
    [InlineData("SELECT $1, @handle", "@handle", null)]
    [InlineData("SELECT 'open @handle", "@handle", null)]
    [InlineData("SELECT @handle", "handle", null)]
    public void Positional_ReplacesEachNamedParameterByItsPlace_OrRefuses(string sql, string names, string? expected)
    {
        using var command = new NpgsqlCommand();
        foreach (var name in names.Split(' '))
        {
            command.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = 1 });
        }

        Assert.Equal(expected, LoaderSqlTag.Positional(sql, command.Parameters));
    }

    [Fact]
    public void Positional_RefusesAnOutputParameter()
    {
        using var command = new NpgsqlCommand();
        command.Parameters.Add(new NpgsqlParameter { ParameterName = "@id", Direction = ParameterDirection.Output });

        Assert.Null(LoaderSqlTag.Positional("SELECT @id", command.Parameters));
    }

    [Fact]
    public async Task OnNpgsql_TheKeptSqlWithOtherParameters_RunsNamedWithTheTag()
    {
        // The positional text is kept per (loader, SQL) and built for the first command's parameters, in their order.
        // A command with the same SQL and its parameters in another order must not get those positions.
        const string Sql = "SELECT @a - @b";
        var (first, second) = await Task.Run(() =>
        {
            // On a task of its own: the loader's name is an async local, and stays inside it.
            CurrentLoader.Enter("test.kept");
            return (Intercepted(Sql, "@a", "@b"), Intercepted(Sql, "@b", "@a"));
        }, TestContext.Current.CancellationToken);

        Assert.Equal("-- test.kept\n\nSELECT $1 - $2", first.CommandText);
        Assert.All(first.Parameters.Cast<DbParameter>(), p => Assert.Empty(p.ParameterName));
        Assert.Equal("-- test.kept\n\nSELECT @a - @b", second.CommandText);
        Assert.Equal(["@b", "@a"], second.Parameters.Cast<DbParameter>().Select(p => p.ParameterName));

        static NpgsqlCommand Intercepted(string sql, params string[] names)
        {
            var command = new NpgsqlCommand(sql);
            foreach (var name in names)
            {
                command.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = 1 });
            }

            LoaderSqlTag.Instance.ReaderExecuting(command, null!, default);
            return command;
        }
    }

    /// <summary>Loader statements as Npgsql receives them: positional (by tag, the text) or still named.</summary>
    private sealed class SeenStatements : DbCommandInterceptor
    {
        public ConcurrentDictionary<string, string> Positional { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Named { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (FaultInjector.TagOf(command.CommandText) is { } tag && command.Parameters.Count > 0)
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
