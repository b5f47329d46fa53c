using System.Net;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>The directory's search in every script and case, the same rows on both providers.</summary>
public sealed class DirectorySearchTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Search_AccentedNameInAnyCase_FindsTheSameUsers(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var expected = Expected("élodie");
        Assert.NotEmpty(expected);

        foreach (var query in new[] { "Élodie", "élodie", "ÉLODIE" })
        {
            Assert.Equal(expected, await AllResultsAsync(client, query));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Search_CyrillicNameInEitherCase_FindsHer(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);
        var expected = Expected("мария");
        Assert.NotEmpty(expected);

        Assert.Equal(expected, await AllResultsAsync(client, "Мария"));
        Assert.Equal(expected, await AllResultsAsync(client, "мария"));
        Assert.Equal(expected, await AllResultsAsync(client, "МАРИЯ"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Search_LikeWildcards_AreLiteral(DatabaseProvider provider)
    {
        var client = await Sites.ClientAsync(provider);

        // Unescaped, "%" would match everyone and "a_a" every "a?a"; literally, only what contains them.
        foreach (var query in new[] { "%", "a_a", "_lo", "\\" })
        {
            Assert.Equal(Expected(query), await AllResultsAsync(client, query));
        }

        Assert.Empty(await AllResultsAsync(client, "%"));
    }

    [Fact]
    public async Task Search_ManyScripts_SameRowsOnBothProviders()
    {
        var sqlite = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var postgres = await Sites.ClientAsync(DatabaseProvider.Postgres);

        foreach (var query in new[] { "Zoë", "ZOË", "søren", "SØREN", "李", "محمد", "σοφία", "ΣΟΦΊΑ", "đức", "ĐỨC", "o'brien", "🦊" })
        {
            var fromSqlite = await AllResultsAsync(sqlite, query);
            Assert.NotEmpty(fromSqlite);
            Assert.Equal(fromSqlite, await AllResultsAsync(postgres, query));
        }
    }

    /// <summary>Every user whose handle or display name contains the text, folded by case (the seed, not the app).</summary>
    private static List<string> Expected(string query)
    {
        var folded = query.ToUpperInvariant().ToLowerInvariant();
        return [.. Sites.Seed.Users
            .Where(u => Fold(u.Handle).Contains(folded, StringComparison.Ordinal) || Fold(u.DisplayName).Contains(folded, StringComparison.Ordinal))
            .Select(u => "/u/" + u.Handle)
            .Order(StringComparer.Ordinal)];

        static string Fold(string text) => text.ToUpperInvariant().ToLowerInvariant();
    }

    /// <summary>The handles of every result page, in one ordinal order.</summary>
    private static async Task<List<string>> AllResultsAsync(HttpClient client, string query)
    {
        var results = new List<string>();
        for (var page = 1; ; page++)
        {
            var response = await HtmlPage.GetAsync(client, $"/users?q={Uri.EscapeDataString(query)}&page={page}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            results.AddRange(response.All("#directory tbody th a").Select(a => a.GetAttribute("href")!));
            if (response.All(".pager a[rel=next]").Count == 0)
            {
                return [.. results.Order(StringComparer.Ordinal)];
            }
        }
    }
}
