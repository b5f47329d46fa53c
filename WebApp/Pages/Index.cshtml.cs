using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Pages.Shared;

namespace WebApp.Pages;

public sealed record HomeView(
    string? Announcement,
    int UserCount,
    int PostCount,
    IReadOnlyList<UserSummary> FeaturedUsers,
    IReadOnlyList<PostSummary> LatestPosts);

internal sealed record HomeLoaders(
    Loader<string?> Announcement,
    Loader<int> UserCount,
    Loader<int> PostCount,
    Loader<IReadOnlyList<UserSummary>> Featured,
    Loader<IReadOnlyList<PostSummary>> Latest);

public sealed class IndexModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db, IMemoryCache cache) : PageModel
{
    public const int FeaturedCount = 6;
    public const int LatestCount = 10;

    /// <summary>
    /// How old the site-wide figures may be: the announcement, the counts (2 M posts take 0.1 s to count) and the
    /// featured members. A real site caches these; the latest posts are always fresh.
    /// </summary>
    public static readonly TimeSpan Staleness = TimeSpan.FromMinutes(1);

    public HomeView View { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        using var group = loads.Create("home", HttpContext.RequestAborted);
        var (announcement, users, posts, featured, latest) = Load(group, db, cache);
        await group.WaitAsync();

        View = new HomeView(announcement.Value, users.Value, posts.Value, featured.Value, latest.Value);
    }

    /// <summary>Starts the page's loaders in <paramref name="group"/>.</summary>
    internal static HomeLoaders Load(LoadGroup group, IDbContextFactory<AppDbContext> db, IMemoryCache cache) => new(
        SiteAnnouncement.Load(group, db, cache, "home.announcement"),
        group.CachedQuery(db, "home.user_count", UserCount, cache, UserCountKey, Staleness),
        group.CachedQuery(db, "home.post_count", PostCount, cache, PostCountKey, Staleness),
        group.CachedQuery(db, "home.featured", Featured, cache, FeaturedKey, Staleness),
        group.Query(db, "home.latest", Latest));

    /// <summary>The cache key of the number of users, which the directory shares.</summary>
    public const string UserCountKey = "user_count";

    private const string PostCountKey = "home.post_count";
    private const string FeaturedKey = "home.featured";

    /// <summary>Every cache entry this page reads (tests evict them to reach the queries behind them).</summary>
    public static readonly IReadOnlyList<string> CacheKeys = [SiteAnnouncement.CacheKey, UserCountKey, PostCountKey, FeaturedKey];

    /// <summary>The number of users, which the directory's unfiltered count shares (and its cache entry).</summary>
    internal static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<int>>> UserCount =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) => db.Users.Count()));

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<int>>> PostCount =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) => db.Posts.Count()));

    /// <summary>The most-followed members, read from the follower-count index in order.</summary>
    private static readonly CompiledQuery<Func<AppDbContext, IAsyncEnumerable<UserSummary>>> Featured =
        new(() => EF.CompileAsyncQuery((AppDbContext db) =>
            db.Users
                .OrderByDescending(u => u.FollowerCount).ThenBy(u => u.Id)
                .Take(FeaturedCount)
                .Select(u => new UserSummary(u.Handle, u.DisplayName, u.Location, u.FollowerCount))));

    private static readonly CompiledQuery<Func<AppDbContext, IAsyncEnumerable<PostSummary>>> Latest =
        new(() => EF.CompileAsyncQuery((AppDbContext db) =>
            (from p in db.Posts
             join u in db.Users on p.UserId equals u.Id
             orderby p.PublishedAt descending, p.Id descending
             select new PostSummary(p.Id, u.Handle, u.DisplayName, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Take(LatestCount)));
}
