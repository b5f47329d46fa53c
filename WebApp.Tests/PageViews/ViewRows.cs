using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>The rows of <c>user_daily_views</c>, read and compared by the page-view tests.</summary>
internal static class ViewRows
{
    /// <summary>The day every view lands on: the tests' clocks stand still at the seed's reference time.</summary>
    public static readonly DateOnly Today = DateOnly.FromDateTime(DemoSeedOptions.Default.ReferenceTime);

    /// <summary>Seeded users with and without earlier views (every fifth user has 14 days of them, none today).</summary>
    public static readonly int[] Users = [SeedFacts.Prolific.Id, 1, 2, 3];

    /// <summary>The rows added by <paramref name="views"/> views of <see cref="Users"/> in turn, today.</summary>
    public static Dictionary<(int UserId, DateOnly Day), long> Expected(int views) =>
        Enumerable.Range(0, views).GroupBy(i => Users[i % Users.Length]).ToDictionary(g => (g.Key, Today), g => (long)g.Count());

    public static async Task<Dictionary<(int UserId, DateOnly Day), long>> ReadAsync(TestDatabase database)
    {
        await using var db = database.CreateContext();
        return await db.UserDailyViews.AsNoTracking().ToDictionaryAsync(v => (v.UserId, v.Day), v => v.Views, TestContext.Current.CancellationToken);
    }

    /// <summary>Every row of <paramref name="after"/> is the row before plus the added views, and no other row changed.</summary>
    public static void AssertAdded(
        Dictionary<(int UserId, DateOnly Day), long> before,
        Dictionary<(int UserId, DateOnly Day), long> after,
        Dictionary<(int UserId, DateOnly Day), long> added)
    {
        var expected = new Dictionary<(int UserId, DateOnly Day), long>(before);
        foreach (var (key, views) in added)
        {
            expected[key] = expected.GetValueOrDefault(key) + views;
        }

        Assert.Equal(expected.OrderBy(r => r.Key), after.OrderBy(r => r.Key));
    }
}
