using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>The rows of <c>user_daily_views</c>, read and compared by the page-view tests.</summary>
internal static class ViewRows
{
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
