using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WebApp.Presence;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Pages.Shared;
using WebApp.PageViews;

namespace WebApp.Pages;

public sealed record UserCard(int Id, string Handle, string DisplayName, string Bio, string Location, string Website, DateTime JoinedAt)
{
    /// <summary>The website as a link target only when it is plain http(s); anything else is shown as text.</summary>
    public string? WebsiteHref =>
        Uri.TryCreate(Website, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.AbsoluteUri
            : null;

    public Avatar Avatar => Avatar.For(Handle, DisplayName);
}

public sealed record ProfileStats(int Posts, int Followers, int Following, long ViewsLastWeek, long ViewsTotal);

public sealed record ProfilePost(int Id, string Title, string Body, DateTime PublishedAt, int LikeCount)
{
    public string Excerpt => Formatting.Excerpt(Body);
}

/// <summary>The activity section: hidden when the service is not configured, "unavailable" when it did not answer in time.</summary>
public sealed record ActivitySection(bool Available, UserActivity? Activity);

public sealed record ProfileView(
    UserCard User,
    ProfileStats Stats,
    Pager Pager,
    IReadOnlyList<ProfilePost> Posts,
    IReadOnlyList<UserSummary> Following,
    string? Announcement,
    ActivitySection? Activity);

public sealed class ProfileModel(
    LoadGroupFactory loads,
    IDbContextFactory<AppDbContext> db,
    TimeProvider time,
    ActivityClient activityClient,
    IOptions<ActivityOptions> activityOptions,
    PageViewRecorder views) : PageModel
{
    public const int PageSize = 10;
    public const int FollowingSample = 8;

    public ProfileView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string handle, [FromQuery(Name = "page")] string? pageText, CancellationToken cancellationToken)
    {
        if (!Handles.IsValid(handle))
        {
            return NotFound();
        }

        if (!PageNumber.TryParse(pageText, out var pageNumber))
        {
            return BadRequest();
        }

        // Every query filters by handle, so none waits for another to learn the user's id.
        var weekStart = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-7);
        using var group = loads.Create("profile", cancellationToken);
        var user = group.Query(db, "profile.user", (d, tag, ct) => Card(d, tag, handle, ct));
        var stats = group.Query(db, "profile.stats", (d, tag, ct) => Stats(d, tag, handle, weekStart, ct));
        var posts = group.Query(db, "profile.posts", (d, tag, ct) => Posts(d, tag, handle, pageNumber, ct));
        var following = group.Query(db, "profile.following", (d, tag, ct) => Following(d, tag, handle, ct));
        var announcement = group.Query(db, "profile.announcement", SiteAnnouncement.LoadAsync);
        var activitySettings = activityOptions.Value;
        var activity = activitySettings.Enabled
            ? group.Optional("profile.activity", activitySettings.Budget, ct => activityClient.GetAsync(handle, ct))
            : null;
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

        // Only a profile that exists and renders counts; the write is a non-blocking enqueue.
        views.Record(user.Value.Id);
        var activitySection = activity is null ? null : new ActivitySection(!activity.IsDegraded, activity.ValueOrDefault);
        View = new ProfileView(user.Value, stats.Value, pager, posts.Value, following.Value, announcement.Value, activitySection);
        return Page();
    }

    internal static Task<UserCard?> Card(AppDbContext db, string tag, string handle, CancellationToken ct) =>
        db.Users.TagWith(tag)
            .Where(u => u.Handle == handle)
            .Select(u => new UserCard(u.Id, u.Handle, u.DisplayName, u.Bio, u.Location, u.Website, u.JoinedAt))
            .FirstOrDefaultAsync(ct);

    internal static Task<ProfileStats?> Stats(AppDbContext db, string tag, string handle, DateOnly weekStart, CancellationToken ct) =>
        db.Users.TagWith(tag)
            .Where(u => u.Handle == handle)
            .Select(u => new ProfileStats(
                db.Posts.Count(p => p.UserId == u.Id),
                db.Follows.Count(f => f.FolloweeId == u.Id),
                db.Follows.Count(f => f.FollowerId == u.Id),
                db.UserDailyViews.Where(v => v.UserId == u.Id && v.Day > weekStart).Sum(v => (long?)v.Views) ?? 0,
                db.UserDailyViews.Where(v => v.UserId == u.Id).Sum(v => (long?)v.Views) ?? 0))
            .FirstOrDefaultAsync(ct);

    internal static async Task<IReadOnlyList<ProfilePost>> Posts(AppDbContext db, string tag, string handle, int page, CancellationToken ct) =>
        await (from p in db.Posts.TagWith(tag)
               join u in db.Users on p.UserId equals u.Id
               where u.Handle == handle
               orderby p.PublishedAt descending, p.Id descending
               select new ProfilePost(p.Id, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Skip((page - 1) * PageSize).Take(PageSize)
            .ToListAsync(ct);

    internal static async Task<IReadOnlyList<UserSummary>> Following(AppDbContext db, string tag, string handle, CancellationToken ct) =>
        await (from f in db.Follows.TagWith(tag)
               join follower in db.Users on f.FollowerId equals follower.Id
               join followee in db.Users on f.FolloweeId equals followee.Id
               where follower.Handle == handle
               orderby f.CreatedAt descending, followee.Id
               select new UserSummary(followee.Handle, followee.DisplayName, followee.Location, 0))
            .Take(FollowingSample)
            .ToListAsync(ct);
}
