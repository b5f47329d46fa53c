using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// The directory's search answers from indexes on both providers. PostgreSQL's trigram index is pg_trgm's (a plain
/// index). SQLite's is the FTS5 table <c>users_search</c>, kept current by triggers, and its sort indexes carry the
/// search key for texts too short for a trigram: these tests prove SQLite's plans read no table row they do not
/// show, that the FTS table matches exactly what the folded LIKE matches, and that it follows every insert, rename
/// and delete.
/// </summary>
public sealed partial class DirectorySearchIndexTests
{
    [Theory]
    [InlineData("77777", true, "name")]
    [InlineData("mar", true, "posts")]
    [InlineData("élodie", true, "joined")]
    [InlineData("zq", false, "name")]
    [InlineData("zq", false, "joined")]
    [InlineData("zq", false, "posts")]
    public async Task Search_OnSqlite_ReadsOnlyIndexes(string query, bool trigrams, string sort)
    {
        var plans = new QueryPlans();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithInterceptor(plans).StartAsync();
        var client = factory.CreateClient();

        var page = await HtmlPage.GetAsync(client, $"/users?q={Uri.EscapeDataString(query)}&sort={sort}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["directory.count", "directory.page"], plans.ByTag.Keys.Order(StringComparer.Ordinal));
        // Walking a sort index and reading each user's row to test the key reads all 100,000 of them for a rare
        // text (0.3 s): a short text walks an index that carries the key; a longer one reads no user it does not show.
        foreach (var (tag, plan) in plans.ByTag)
        {
            var shown = $"{tag}: {string.Join(" / ", plan)}";
            Assert.False(plan.Any(line => TableReadingScan().IsMatch(line)), shown);
            Assert.True(trigrams == plan.Any(line => line.StartsWith("SCAN users_search VIRTUAL TABLE", StringComparison.Ordinal)), shown);
            Assert.True(trigrams != plan.Any(line => IndexOnlyScan().IsMatch(line)), shown);
        }
    }

    /// <summary>A scan of the table itself, or of an index that sends it to the table for every row.</summary>
    [GeneratedRegex(@"^SCAN u\d*( USING INDEX .*)?$")]
    private static partial Regex TableReadingScan();

    [GeneratedRegex(@"^SCAN u\d* USING COVERING INDEX ")]
    private static partial Regex IndexOnlyScan();

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Search_EveryPieceOfEveryName_FindsExactlyTheUsersContainingIt(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        // Pieces of 3 to 6 characters from names across the seed, and texts with the phrase syntax's quote.
        var queries = Sites.Seed.Users.Where((_, i) => i % 37 == 0)
            .SelectMany(u => new[] { u.DisplayName, u.Handle })
            .Select((name, i) => Piece(name, i))
            .Concat(["o'b", "\"ab", "a\"\"", "MAR", "ΣΟΦ"])
            .Distinct()
            .ToList();

        foreach (var query in queries)
        {
            Assert.Equal(Expected(query), await ResultsAsync(client, query));
        }
    }

    [Fact]
    public async Task SqliteIndex_AfterInsertRenameAndDelete_FollowsTheUsers()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabases.CreateSeededAsync(DatabaseProvider.Sqlite);
        await using var db = database.CreateContext();
        var user = new User { Handle = "qxv_first", DisplayName = "Quixotic Vole", JoinedAt = DateTime.UtcNow, SearchKey = SearchKey.For("qxv_first", "Quixotic Vole") };
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        Assert.Equal([user.Id], await HitsAsync(db, "quixotic"));

        user.DisplayName = "Zephyr Vole";
        user.SearchKey = SearchKey.For(user.Handle, user.DisplayName);
        await db.SaveChangesAsync(ct);
        Assert.Empty(await HitsAsync(db, "quixotic"));
        Assert.Equal([user.Id], await HitsAsync(db, "zephyr"));

        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        Assert.Empty(await HitsAsync(db, "zephyr"));
        Assert.Empty(await HitsAsync(db, "qxv_"));
        // FTS5's own check that the index holds exactly what the users table says (rank 1: against the content).
        await db.Database.ExecuteSqlRawAsync("INSERT INTO users_search(users_search, rank) VALUES ('integrity-check', 1)", ct);
    }

    [Fact]
    public async Task SeedCommand_BulkUsers_SqliteIndexHoldsEveryKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabases.CreateEmptyAsync(DatabaseProvider.Sqlite);
        var users = DemoSeedOptions.Default.Users + DemoSeed.BulkBlockSize;
        Assert.Equal(0, await SeedCommand.RunAsync(
            ["seed", "--users", users.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Database:Provider=Sqlite", $"--ConnectionStrings:Sqlite={database.ConnectionString}"]));
        await using var db = database.CreateContext();

        await db.Database.ExecuteSqlRawAsync("INSERT INTO users_search(users_search, rank) VALUES ('integrity-check', 1)", ct);
        var last = await db.Users.OrderByDescending(u => u.Id).FirstAsync(ct);
        Assert.Contains(last.Id, await HitsAsync(db, last.Handle));
        Assert.Equal(users, await db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM users_search").SingleAsync(ct));
    }

    /// <summary>Three to six characters (whole code points) of <paramref name="name"/>, starting where <paramref name="i"/> says.</summary>
    private static string Piece(string name, int i)
    {
        var runes = name.EnumerateRunes().ToArray();
        var start = i % Math.Max(1, runes.Length - 2);
        return string.Concat(runes.Skip(start).Take(3 + (i % 4)));
    }

    private static Task<List<int>> HitsAsync(AppDbContext db, string text) =>
        db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM users_search WHERE users_search MATCH {SearchKey.TrigramPhrase(text)}")
            .ToListAsync(TestContext.Current.CancellationToken);

    private static List<string> Expected(string query)
    {
        // The page trims the text first.
        var folded = SearchKey.Fold(query.Trim());
        return [.. Sites.Seed.Users
            .Where(u => SearchKey.For(u.Handle, u.DisplayName).Contains(folded, StringComparison.Ordinal))
            .Select(u => "/u/" + u.Handle)
            .Order(StringComparer.Ordinal)];
    }

    private static async Task<List<string>> ResultsAsync(HttpClient client, string query)
    {
        var results = new List<string>();
        for (var page = 1; ; page++)
        {
            var response = await HtmlPage.GetAsync(client, $"/users?q={Uri.EscapeDataString(query)}&page={page}", TestContext.Current.CancellationToken);
            Assert.True(response.Status == HttpStatusCode.OK, $"{query}: {response.Status}");
            results.AddRange(response.All("#directory tbody th a").Select(a => a.GetAttribute("href")!));
            if (response.All(".pager a[rel=next]").Count == 0)
            {
                return [.. results.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Runs SQLite's EXPLAIN QUERY PLAN for each tagged statement, on its own connection with its own parameters.</summary>
    private sealed class QueryPlans : DbCommandInterceptor
    {
        public ConcurrentDictionary<string, List<string>> ByTag { get; } = new(StringComparer.Ordinal);

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            var tag = command.CommandText.StartsWith("-- directory.", StringComparison.Ordinal) ? command.CommandText[3..command.CommandText.IndexOf('\n', StringComparison.Ordinal)].Trim() : null;
            if (tag is not null)
            {
                await using var explain = command.Connection!.CreateCommand();
                explain.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
                foreach (DbParameter parameter in command.Parameters)
                {
                    var copy = explain.CreateParameter();
                    copy.ParameterName = parameter.ParameterName;
                    copy.Value = parameter.Value;
                    explain.Parameters.Add(copy);
                }

                var lines = new List<string>();
                await using var reader = await explain.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    lines.Add(reader.GetString(3));
                }

                ByTag[tag] = lines;
            }

            return result;
        }
    }
}
