using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Pages.Shared;

namespace WebApp.Pages;

public sealed record HomeView(
    string? Announcement,
    int UserCount,
    int PostCount,
    IReadOnlyList<UserSummary> FeaturedUsers,
    IReadOnlyList<PostSummary> LatestPosts);

public sealed class IndexModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db, IMemoryCache cache) : PageModel
{
    public const int FeaturedCount = 6;
    public const int LatestCount = 10;

    public HomeView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        using var group = loads.Create("home", cancellationToken);
        var announcement = group.Query(db, "home.announcement", (d, ct) => SiteQueries.AnnouncementAsync(d, cache, ct));
        var users = group.Query(db, "home.user_count", (d, ct) => SiteQueries.UserCountAsync(d, cache, ct));
        var posts = group.Query(db, "home.post_count", (d, ct) => cache.GetOrLoadAsync(SiteCache.PostCountKey, () => PostCount.For(d)(d, ct)));
        var featured = group.Query(db, "home.featured", (d, ct) => cache.GetOrLoadAsync(SiteCache.FeaturedKey, () => Featured.For(d)(d).ToListAsync(ct).AsTask()));
        var latest = group.Query(db, "home.latest", (d, ct) => Latest.For(d)(d).ToListAsync(ct));
        await group.WaitAsync();

        View = new HomeView(announcement.Value, users.Value, posts.Value, featured.Value, latest.Value);
        return Page();
    }

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
