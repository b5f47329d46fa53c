using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>The users' derived columns (post and follower counters, search key) as every seed writes them.</summary>
public sealed class UserCountersTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task DemoSeed_Default_CountersAndSearchKeysEqualARecount(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);

        await AssertDerivedColumnsAsync(database, DemoSeedOptions.Default.Users);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task SeedCommand_BulkUsers_CountersAndSearchKeysEqualARecount(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateEmptyAsync(provider);
        var users = DemoSeedOptions.Default.Users + (2 * DemoSeed.BulkBlockSize);

        var exit = await SeedCommand.RunAsync(
            ["seed", "--users", users.ToString(System.Globalization.CultureInfo.InvariantCulture), $"--Database:Provider={provider}", $"--ConnectionStrings:{provider}={database.ConnectionString}"]);

        Assert.Equal(0, exit);
        await AssertDerivedColumnsAsync(database, users);
    }

    private static async Task AssertDerivedColumnsAsync(TestDatabase database, int users)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = database.CreateContext();
        var rows = await db.Users
            .Select(u => new
            {
                u.Id,
                u.Handle,
                u.DisplayName,
                u.SearchKey,
                u.PostCount,
                u.FollowerCount,
                Posts = db.Posts.Count(p => p.UserId == u.Id),
                Followers = db.Follows.Count(f => f.FolloweeId == u.Id),
            })
            .ToListAsync(ct);

        Assert.Equal(users, rows.Count);
        Assert.Empty(rows.Where(r => r.PostCount != r.Posts).Select(r => r.Id));
        Assert.Empty(rows.Where(r => r.FollowerCount != r.Followers).Select(r => r.Id));
        Assert.Empty(rows.Where(r => r.SearchKey != SearchKey.For(r.Handle, r.DisplayName)).Select(r => r.Id));
        Assert.Contains(rows, r => r.Followers > 0);
    }
}
