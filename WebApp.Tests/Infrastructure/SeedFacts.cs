using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>What the pages should show, computed from the seed in memory, independently of the app's queries.</summary>
public static class SeedFacts
{
    private static DemoData Seed => Sites.Seed;

    public static User User(int id) => Seed.Users.Single(u => u.Id == id);

    public static User ByHandle(string handle) => Seed.Users.Single(u => u.Handle == handle);

    public static IReadOnlyList<Post> PostsOf(int userId) =>
        [.. Seed.Posts.Where(p => p.UserId == userId).OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id)];

    public static int Followers(int userId) => Seed.Follows.Count(f => f.FolloweeId == userId);

    public static int Following(int userId) => Seed.Follows.Count(f => f.FollowerId == userId);

    public static long Views(int userId, DateOnly? after = null) =>
        Seed.Views.Where(v => v.UserId == userId && (after is null || v.Day > after)).Sum(v => v.Views);

    /// <summary>A user with more than one page of posts and some views, for paging tests.</summary>
    public static User Prolific => Seed.Users.First(u => u.Id % 5 == 0 && PostsOf(u.Id).Count > 20);
}
