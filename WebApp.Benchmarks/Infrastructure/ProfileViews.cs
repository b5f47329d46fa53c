using WebApp.Data;
using WebApp.Pages;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>Profile view models built in memory from the deterministic seed: no database.</summary>
public static class ProfileViews
{
    private static readonly DemoData Seed = DemoSeed.Generate(DemoSeedOptions.Default);

    /// <summary>
    /// The first seeded user (whose text is hostile, so encoding is exercised) with <paramref name="posts"/> posts,
    /// and the activity section when one is given (none by default, as when the activity service is not configured).
    /// </summary>
    public static ProfileView Create(int posts, ActivitySection? activity = null)
    {
        var u = Seed.Users[0];
        var user = new UserCard(u.Id, u.Handle, u.DisplayName, u.Bio, u.Location, u.Website, u.JoinedAt);
        var list = Enumerable.Range(0, posts)
            .Select(i => Seed.Posts[i % Seed.Posts.Count])
            .Select((p, i) => new PostItem(i + 1, p.Title, p.Body.Length > PostSummary.ExcerptSource ? p.Body[..PostSummary.ExcerptSource] : p.Body, p.PublishedAt, p.LikeCount))
            .ToList();
        var following = Seed.Users.Skip(1).Take(ProfileModel.FollowingSample)
            .Select(f => new UserSummary(f.Handle, f.DisplayName, f.Location, 0))
            .ToList();
        var total = Math.Max(posts, 57);
        var stats = new ProfileStats(total, 1234, following.Count, 321, 12345);
        var pager = new Pager(1, ProfileModel.PageSize, total, "/u/" + u.Handle);
        var announcement = Seed.Settings.Single(s => s.Key == DemoSeed.AnnouncementKey).Value;
        return new ProfileView(user, stats, pager, list, following, announcement, activity);
    }
}
