using System.Globalization;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary><c>seed --users N</c>: what it writes, and the prefix property it claims for benchmarks at any size.</summary>
public sealed class SeedCommandTests
{
    [Fact]
    public void GenerateBulk_SmallerTotal_IsAPrefixOfALargerOne()
    {
        var options = DemoSeedOptions.Default;
        var small = Flatten(DemoSeed.GenerateBulk(options, options.Users + DemoSeed.BulkBlockSize + 7));
        var large = Flatten(DemoSeed.GenerateBulk(options, options.Users + (3 * DemoSeed.BulkBlockSize)));
        var defaults = DemoSeed.Generate(options);

        Assert.Equal(Users(small.Users), Users(large.Users.Take(small.Users.Count)));
        Assert.Equal(Posts(small.Posts), Posts(large.Posts.Take(small.Posts.Count)));
        Assert.Equal(Follows(small.Follows), Follows(large.Follows.Take(small.Follows.Count)));
        // ...and every total starts with exactly the default demo data.
        Assert.Equal(Users(defaults.Users), Users(small.Users.Take(defaults.Users.Count)));
        Assert.Equal(Posts(defaults.Posts), Posts(small.Posts.Take(defaults.Posts.Count)));
        Assert.True(large.Users.Count > small.Users.Count && large.Posts.Count > small.Posts.Count);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task SeedCommand_Users_WritesExactlyTheGeneratedRows(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabases.CreateEmptyAsync(provider);
        var total = DemoSeedOptions.Default.Users + DemoSeed.BulkBlockSize + 7;
        var expected = Flatten(DemoSeed.GenerateBulk(DemoSeedOptions.Default, total));

        var exit = await SeedCommand.RunAsync(["seed", "--users", total.ToString(CultureInfo.InvariantCulture), $"--Database:Provider={provider}", $"--ConnectionStrings:{provider}={database.ConnectionString}"]);

        Assert.Equal(0, exit);
        await using var db = database.CreateContext();
        Assert.Equal(Users(expected.Users), Users(await db.Users.OrderBy(u => u.Id).ToListAsync(ct)));
        Assert.Equal(Posts(expected.Posts), Posts(await db.Posts.OrderBy(p => p.Id).ToListAsync(ct)));
        Assert.Equal(Follows(expected.Follows).Order(StringComparer.Ordinal), Follows(await db.Follows.ToListAsync(ct)).Order(StringComparer.Ordinal));
        // A second run without --replace refuses rather than mixing two loads.
        Assert.NotEqual(0, await SeedCommand.RunAsync(["seed", "--users", total.ToString(CultureInfo.InvariantCulture), $"--Database:Provider={provider}", $"--ConnectionStrings:{provider}={database.ConnectionString}"]));
        Assert.Equal(total, await db.Users.CountAsync(ct));
    }

    private static (List<User> Users, List<Post> Posts, List<Follow> Follows) Flatten(IEnumerable<DemoBlock> blocks)
    {
        List<User> users = [];
        List<Post> posts = [];
        List<Follow> follows = [];
        foreach (var block in blocks)
        {
            users.AddRange(block.Users);
            posts.AddRange(block.Posts);
            follows.AddRange(block.Follows);
        }

        return (users, posts, follows);
    }

    // Compared as text: what a visitor sees of each row (the follower counter grows with later blocks by design).
    private static List<string> Users(IEnumerable<User> users) =>
        [.. users.Select(u => $"{u.Id}|{u.Handle}|{u.DisplayName}|{u.Location}|{u.JoinedAt.Ticks}")];

    private static List<string> Posts(IEnumerable<Post> posts) =>
        [.. posts.Select(p => $"{p.Id}|{p.UserId}|{p.Title}|{p.PublishedAt.Ticks}|{p.LikeCount}")];

    private static List<string> Follows(IEnumerable<Follow> follows) =>
        [.. follows.Select(f => $"{f.FollowerId}|{f.FolloweeId}|{f.CreatedAt.Ticks}")];
}
