namespace WebApp.Data;

/// <summary>The users' denormalized counters (<see cref="User.PostCount"/>, <see cref="User.FollowerCount"/>).</summary>
public static class UserCounters
{
    /// <summary>Sets every user's counters from the rows: after a bulk load, and in the migration that added them.</summary>
    public static string RecountSql(bool isPostgres) => isPostgres
        ? """
          UPDATE users AS u SET
            post_count = (SELECT count(*) FROM posts AS p WHERE p.user_id = u.id),
            follower_count = (SELECT count(*) FROM follows AS f WHERE f.followee_id = u.id)
          """
        : """
          UPDATE users SET
            post_count = (SELECT count(*) FROM posts WHERE posts.user_id = users.id),
            follower_count = (SELECT count(*) FROM follows WHERE follows.followee_id = users.id)
          """;

    /// <summary>Sets the counters of in-memory users from in-memory rows (the seed generators).</summary>
    public static void Set(IEnumerable<User> users, IEnumerable<Post> posts, IEnumerable<Follow> follows)
    {
        var postCounts = posts.CountBy(p => p.UserId).ToDictionary();
        var followerCounts = follows.CountBy(f => f.FolloweeId).ToDictionary();
        foreach (var user in users)
        {
            user.PostCount = postCounts.GetValueOrDefault(user.Id);
            user.FollowerCount = followerCounts.GetValueOrDefault(user.Id);
        }
    }
}
