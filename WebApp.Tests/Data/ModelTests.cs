using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

public sealed class ModelTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Migrations_EmptyDatabase_CreateEveryTableInSnakeCase(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateEmptyAsync(provider);
        await using var db = database.CreateContext();

        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        var tableQuery = provider == DatabaseProvider.Postgres
            ? "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public'"
            : "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table'";
        var tables = await db.Database.SqlQueryRaw<string>(tableQuery).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Subset(tables.ToHashSet(), new HashSet<string> { "users", "posts", "follows", "user_daily_views", "site_settings" });
        var columnQuery = provider == DatabaseProvider.Postgres
            ? "SELECT column_name AS \"Value\" FROM information_schema.columns WHERE table_name = 'posts'"
            : "SELECT name AS \"Value\" FROM pragma_table_info('posts')";
        var columns = await db.Database.SqlQueryRaw<string>(columnQuery).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["body", "id", "like_count", "published_at", "title", "user_id"], columns.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Seed_GeneratedTwice_IsIdentical()
    {
        var first = Fingerprint(DemoSeed.Generate(DemoSeedOptions.Default));
        var second = Fingerprint(DemoSeed.Generate(DemoSeedOptions.Default));
        var other = Fingerprint(DemoSeed.Generate(DemoSeedOptions.Default with { RandomSeed = 7 }));

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Seed_Default_HasAbout500UsersWithAbout20PostsAndHostileText()
    {
        var data = DemoSeed.Generate(DemoSeedOptions.Default);

        Assert.Equal(500, data.Users.Count);
        Assert.InRange(data.Posts.Count / (double)data.Users.Count, 15, 25);
        Assert.Equal(data.Users.Count, data.Users.Select(u => u.Handle).Distinct(StringComparer.Ordinal).Count());
        var text = string.Concat(data.Users.Select(u => u.DisplayName + u.Bio).Concat(data.Posts.Select(p => p.Title + p.Body)));
        Assert.All(new[] { "<", ">", "&", "\"", "'", "🦊", "李", "مريم" }, fragment => Assert.Contains(fragment, text, StringComparison.Ordinal));
        Assert.All(data.Follows, f => Assert.NotEqual(f.FollowerId, f.FolloweeId));
    }

    [Fact]
    public async Task Seed_StoredOnBothProviders_ReadsBackIdentically()
    {
        var expected = Fingerprint(DemoSeed.Generate(DemoSeedOptions.Default));

        var sqlite = await ReadBackAsync(DatabaseProvider.Sqlite);
        var postgres = await ReadBackAsync(DatabaseProvider.Postgres);

        Assert.Equal(expected, sqlite);
        Assert.Equal(expected, postgres);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Users_DuplicateHandle_IsRejectedByTheDatabase(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        await using var db = database.CreateContext();
        var taken = await db.Users.OrderBy(u => u.Id).Select(u => u.Handle).FirstAsync(TestContext.Current.CancellationToken);

        db.Users.Add(new User { Id = 1_000_000, Handle = taken, DisplayName = "Copy", JoinedAt = DateTime.UtcNow });

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Seed_AlreadySeededDatabase_IsLeftAlone(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        await using var db = database.CreateContext();

        var inserted = await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, TestContext.Current.CancellationToken);

        Assert.Equal(0, inserted);
        Assert.Equal(500, await db.Users.CountAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<string> ReadBackAsync(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateSeededAsync(provider);
        await using var db = database.CreateContext();
        var ct = TestContext.Current.CancellationToken;
        return Fingerprint(new DemoData(
            await db.Users.AsNoTracking().ToListAsync(ct),
            await db.Posts.AsNoTracking().ToListAsync(ct),
            await db.Follows.AsNoTracking().ToListAsync(ct),
            await db.UserDailyViews.AsNoTracking().ToListAsync(ct),
            await db.SiteSettings.AsNoTracking().ToListAsync(ct)));
    }

    /// <summary>A hash over every row in key order; times in UTC ticks, whatever kind the provider returns.</summary>
    private static string Fingerprint(DemoData data)
    {
        var text = new StringBuilder();
        foreach (var u in data.Users.OrderBy(u => u.Id))
        {
            text.Append($"u|{u.Id}|{u.Handle}|{u.DisplayName}|{u.Bio}|{u.Location}|{u.Website}|{Ticks(u.JoinedAt)}\n");
        }

        foreach (var p in data.Posts.OrderBy(p => p.Id))
        {
            text.Append($"p|{p.Id}|{p.UserId}|{p.Title}|{p.Body}|{Ticks(p.PublishedAt)}|{p.LikeCount}\n");
        }

        foreach (var f in data.Follows.OrderBy(f => f.FollowerId).ThenBy(f => f.FolloweeId))
        {
            text.Append($"f|{f.FollowerId}|{f.FolloweeId}|{Ticks(f.CreatedAt)}\n");
        }

        foreach (var v in data.Views.OrderBy(v => v.UserId).ThenBy(v => v.Day))
        {
            text.Append($"v|{v.UserId}|{v.Day:yyyy-MM-dd}|{v.Views}\n");
        }

        foreach (var s in data.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append($"s|{s.Key}|{s.Value}\n");
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static long Ticks(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc).Ticks;
}
