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
        var announcement = group.Query(db, "home.announcement", (d, ct) => Announcement.For(d)(d, ct));
        var users = group.Query(db, "home.user_count", (d, ct) => UserCount.For(d)(d, ct));
        var posts = group.Query(db, "home.post_count", (d, ct) => PostCount.For(d)(d, ct));
        var featured = group.QueryList(db, "home.featured", d => Featured.For(d)(d));
        var latest = group.QueryList(db, "home.latest", d => Latest.For(d)(d));
        await group.WaitAsync();

        View = new HomeView(announcement.Value, users.Value, posts.Value, featured.Value, latest.Value);
    }

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<string?>>> Announcement = SiteAnnouncement.Query("home.announcement");

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<int>>> UserCount =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) => db.Users.TagWith("home.user_count").Count()));

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<int>>> PostCount =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) => db.Posts.TagWith("home.post_count").Count()));

    /// <summary>The most-followed members.</summary>
    private static readonly CompiledQuery<Func<AppDbContext, IAsyncEnumerable<UserSummary>>> Featured =
        new(() => EF.CompileAsyncQuery((AppDbContext db) =>
            db.Users.TagWith("home.featured")
                .Select(u => new { User = u, Followers = db.Follows.Count(f => f.FolloweeId == u.Id) })
                .OrderByDescending(x => x.Followers).ThenBy(x => x.User.Id)
                .Take(FeaturedCount)
                .Select(x => new UserSummary(x.User.Handle, x.User.DisplayName, x.User.Location, x.Followers))));

    private static readonly CompiledQuery<Func<AppDbContext, IAsyncEnumerable<PostSummary>>> Latest =
        new(() => EF.CompileAsyncQuery((AppDbContext db) =>
            (from p in db.Posts.TagWith("home.latest")
             join u in db.Users on p.UserId equals u.Id
             orderby p.PublishedAt descending, p.Id descending
             select new PostSummary(p.Id, u.Handle, u.DisplayName, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Take(LatestCount)));
}
