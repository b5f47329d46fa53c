using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using WebApp.ActivityService;
using WebApp.Data;
using WebApp.Hosting;
using WebApp.Loading;
using WebApp.Pages.Shared;
using WebApp.PageViews;

namespace WebApp.Pages;

public sealed record ProfileStats(int Posts, int Followers, int Following, long ViewsLastWeek, long ViewsTotal);

internal sealed record ProfileLoaders(
    Loader<UserCard?> User,
    Loader<ProfileStats?> Stats,
    Loader<IReadOnlyList<PostItem>> Posts,
    Loader<IReadOnlyList<UserSummary>> Following,
    Loader<string?> Announcement,
    Loader<UserActivity>? Activity);

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
    WarmUp warmUp) : PageModel
{
    public const int PageSize = 10;
    public const int FollowingSample = 8;

    public ProfileView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync()
    {
        // The handle's shape was checked by the route constraint (HandleRouteConstraint): a malformed one is a 404 there.
        var handle = RequestInputs.Route(HttpContext, "handle");
        if (!PageNumber.TryParse(RequestInputs.Query(Request, "page"), out var pageNumber))
        {
            return BadRequest();
        }

        var weekStart = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-7);
        using var group = loads.Create("profile", HttpContext.RequestAborted);
        var (user, stats, posts, following, announcement, activity) = Load(group, db, cache, handle, pageNumber, weekStart, activityOptions.Value.Enabled ? activityClient : null, activityOptions.Value.Budget);
        await group.WaitAsync();

        if (user.Value is null || stats.Value is null)
        {
            return NotFound();
        }

        var pager = new Pager(pageNumber, PageSize, stats.Value.Posts, $"/u/{handle}");
        if (pager.IsPastEnd)
        {
            return NotFound();
        }

        // Only a profile that exists and renders counts, and not the instance's own warm-up; the write is a non-blocking enqueue.
        if (!warmUp.IsWarmUp(Request))
        {
            views.Record(user.Value.Id);
        }
        var activitySection = activity is null ? null : new ActivitySection(!activity.IsDegraded, activity.ValueOrDefault);
        View = new ProfileView(user.Value, stats.Value, pager, posts.Value, following.Value, announcement.Value, activitySection);
        return Page();
    }

    /// <summary>
    /// Starts the page's loaders in <paramref name="group"/>: five database loaders, and the activity service's answer within
    /// its budget when it is configured (<paramref name="activity"/> not null). Also run by the PostgreSQL preload
    /// benchmark. Every query filters by handle, so none waits for another to learn the user's id. The announcement
    /// is the site's, not the user's: it comes from the cache that every page shares (<see cref="SiteAnnouncement.Load"/>).
    /// </summary>
    internal static ProfileLoaders Load(LoadGroup group, IDbContextFactory<AppDbContext> db, IMemoryCache cache, string handle, int pageNumber, DateOnly weekStart,
        ActivityClient? activity = null, TimeSpan activityBudget = default) => new(
        group.Query(db, "profile.user", Card, handle),
        group.Query(db, "profile.stats", Stats, handle, weekStart),
        group.Query(db, "profile.posts", Posts, handle, (pageNumber - 1) * PageSize),
        group.Query(db, "profile.following", Following, handle),
        SiteAnnouncement.Load(group, db, cache, "profile.announcement"),
        activity is null ? null : group.Optional("profile.activity", activityBudget, ct => activity.GetAsync(handle, ct)));

    /// <summary>The user's card (the profile's and the post page's author).</summary>
    internal static readonly CompiledQuery<Func<AppDbContext, string, CancellationToken, Task<UserCard?>>> Card =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, CancellationToken ct) =>
            db.Users
                .Where(u => u.Handle == handle)
                .Select(u => new UserCard(u.Id, u.Handle, u.DisplayName, u.Bio, u.Location, u.Website, u.JoinedAt))
                .FirstOrDefault()));

    internal static readonly CompiledQuery<Func<AppDbContext, string, DateOnly, CancellationToken, Task<ProfileStats?>>> Stats =
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
    internal static readonly CompiledQuery<Func<AppDbContext, string, int, IAsyncEnumerable<PostItem>>> Posts =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, int skip) =>
            (from p in db.Posts
             where p.UserId == db.Users.Where(u => u.Handle == handle).Select(u => u.Id).FirstOrDefault()
             orderby p.PublishedAt descending, p.Id descending
             select new PostItem(p.Id, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Skip(skip).Take(PageSize)));

    // The user's id comes from a subquery rather than a join, so PostgreSQL reads the (follower, newest first)
    // index in order and stops after the sample instead of sorting everyone the user follows.
    internal static readonly CompiledQuery<Func<AppDbContext, string, IAsyncEnumerable<UserSummary>>> Following =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle) =>
            (from f in db.Follows
             join followee in db.Users on f.FolloweeId equals followee.Id
             where f.FollowerId == db.Users.Where(u => u.Handle == handle).Select(u => u.Id).FirstOrDefault()
             orderby f.CreatedAt descending, f.FolloweeId
             select new UserSummary(followee.Handle, followee.DisplayName, followee.Location, 0))
            .Take(FollowingSample)));
}
