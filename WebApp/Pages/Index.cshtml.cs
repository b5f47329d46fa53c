using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
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

public sealed class IndexModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db) : PageModel
{
    public const int FeaturedCount = 6;
    public const int LatestCount = 10;

    public HomeView View { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        using var group = loads.Create("home", cancellationToken);
        var announcement = group.Query(db, "home.announcement", SiteAnnouncement.LoadAsync);
        var users = group.Query(db, "home.user_count", (d, tag, ct) => d.Users.TagWith(tag).CountAsync(ct));
        var posts = group.Query(db, "home.post_count", (d, tag, ct) => d.Posts.TagWith(tag).CountAsync(ct));
        var featured = group.Query(db, "home.featured", Featured);
        var latest = group.Query(db, "home.latest", Latest);
        await group.WaitAsync();

        View = new HomeView(announcement.Value, users.Value, posts.Value, featured.Value, latest.Value);
    }

    /// <summary>The most-followed members.</summary>
    private static async Task<IReadOnlyList<UserSummary>> Featured(AppDbContext db, string tag, CancellationToken ct) =>
        await db.Users.TagWith(tag)
            .Select(u => new { User = u, Followers = db.Follows.Count(f => f.FolloweeId == u.Id) })
            .OrderByDescending(x => x.Followers).ThenBy(x => x.User.Id)
            .Take(FeaturedCount)
            .Select(x => new UserSummary(x.User.Handle, x.User.DisplayName, x.User.Location, x.Followers))
            .ToListAsync(ct);

    private static async Task<IReadOnlyList<PostSummary>> Latest(AppDbContext db, string tag, CancellationToken ct) =>
        await (from p in db.Posts.TagWith(tag)
               join u in db.Users on p.UserId equals u.Id
               orderby p.PublishedAt descending, p.Id descending
               select new PostSummary(p.Id, u.Handle, u.DisplayName, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Take(LatestCount)
            .ToListAsync(ct);
}
