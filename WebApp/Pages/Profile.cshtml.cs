using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using WebApp.ActivityService;
using WebApp.Data;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;
using WebApp.PageViews;
using WebApp.WarmUp;

namespace WebApp.Pages;

public sealed record ProfileStats(int Posts, int Followers, int Following, long ViewsLastWeek, long ViewsTotal);

/// <summary>The activity section: hidden when the service is not configured, "unavailable" when it did not answer in time.</summary>
public sealed record ActivitySection(bool Available, UserActivity? Activity);

public sealed record ProfileView(
    UserCard User,
    ProfileStats Stats,
    Pager Pager,
    IReadOnlyList<PostItem> Posts,
    IReadOnlyList<UserSummary> Following,
    string? Announcement,
    ActivitySection? Activity);

public sealed class ProfileModel(
    LoadGroupFactory loads,
    IDbContextFactory<AppDbContext> db,
    IMemoryCache cache,
    TimeProvider time,
    ActivityClient activityClient,
    IOptions<ActivityOptions> activityOptions,
    PageViewRecorder views,
    WarmUpRequests warmUp) : PageModel
{
    public const int PageSize = 10;
    public const int FollowingSample = 8;

    public ProfileView View { get; private set; } = null!;

    /// <summary>
    /// Five database loaders, and the activity service's answer within its budget when it is configured. Every query
    /// filters by handle, so none waits for another to learn the user's id. The handle's shape was checked by the
    /// route constraint (<see cref="HandleRouteConstraint"/>): a malformed one is a 404 there.
    /// </summary>
    public async Task<IActionResult> OnGetAsync(string handle, [FromQuery(Name = "page")] string? pageNumber, CancellationToken cancellationToken)
    {
        if (!PageNumber.TryParse(pageNumber, out var page))
        {
            return BadRequest();
        }

        var weekStart = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-7);
        var activity = activityOptions.Value;
        using var group = loads.Create("profile", cancellationToken);
        var user = group.Query(db, "profile.user", (d, ct) => UserCard.LoadAsync(d, handle, ct));
        var stats = group.Query(db, "profile.stats", (d, ct) => Stats.For(d)(d, handle, weekStart, ct));
        var posts = group.Query(db, "profile.posts", (d, ct) => Posts.For(d)(d, handle, (page - 1) * PageSize).ToListAsync(ct));
        var following = group.Query(db, "profile.following", (d, ct) => Following.For(d)(d, handle).ToListAsync(ct));
        var announcement = group.Query(db, "profile.announcement", (d, ct) => SiteQueries.AnnouncementAsync(d, cache, ct));
        var presence = activity.Enabled ? group.Optional("profile.activity", activity.Budget, ct => activityClient.GetAsync(handle, ct)) : null;
        await group.WaitAsync();

        if (user.Value is null || stats.Value is null)
        {
            return NotFound();
        }

        var pager = new Pager(page, PageSize, stats.Value.Posts, $"/u/{handle}");
        if (pager.IsPastEnd)
        {
            return NotFound();
        }

        // Only a profile that exists and renders counts, and not the instance's own warm-up; the write is a non-blocking enqueue.
        if (!warmUp.IsWarmUp(Request))
        {
            views.Record(user.Value.Id);
        }

        var activitySection = presence is null ? null : new ActivitySection(!presence.IsDegraded, presence.ValueOrDefault);
        View = new ProfileView(user.Value, stats.Value, pager, posts.Value, following.Value, announcement.Value, activitySection);
        return Page();
    }

    private static readonly CompiledQuery<Func<AppDbContext, string, DateOnly, CancellationToken, Task<ProfileStats?>>> Stats =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, DateOnly weekStart, CancellationToken ct) =>
            db.Users
                .Where(u => u.Handle == handle)
                .Select(u => new ProfileStats(
                    u.PostCount,
                    u.FollowerCount,
                    db.Follows.Count(f => f.FollowerId == u.Id),
                    db.UserDailyViews.Where(v => v.UserId == u.Id && v.Day > weekStart).Sum(v => (long?)v.Views) ?? 0,
                    db.UserDailyViews.Where(v => v.UserId == u.Id).Sum(v => (long?)v.Views) ?? 0))
                .FirstOrDefault()));

    // Like Following: the user's id from a subquery, so PostgreSQL reads the (user, newest first, id) index in order and
    // stops after the page instead of sorting all of the user's posts (a join hides that order behind the user row).
    private static readonly CompiledQuery<Func<AppDbContext, string, int, IAsyncEnumerable<PostItem>>> Posts =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, int skip) =>
            (from p in db.Posts
             where p.UserId == db.Users.Where(u => u.Handle == handle).Select(u => u.Id).FirstOrDefault()
             orderby p.PublishedAt descending, p.Id descending
             select new PostItem(p.Id, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Skip(skip).Take(PageSize)));

    // The user's id comes from a subquery rather than a join, so PostgreSQL reads the (follower, newest first)
    // index in order and stops after the sample instead of sorting everyone the user follows.
    private static readonly CompiledQuery<Func<AppDbContext, string, IAsyncEnumerable<UserSummary>>> Following =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle) =>
            (from f in db.Follows
             join followee in db.Users on f.FolloweeId equals followee.Id
             where f.FollowerId == db.Users.Where(u => u.Handle == handle).Select(u => u.Id).FirstOrDefault()
             orderby f.CreatedAt descending, f.FolloweeId
             select new UserSummary(followee.Handle, followee.DisplayName, followee.Location, 0))
            .Take(FollowingSample)));
}
