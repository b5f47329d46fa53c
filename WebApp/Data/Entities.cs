namespace WebApp.Data;

// Persistence shapes only. Pages never render these: they project into their own view-model records.

public sealed class User
{
    public int Id { get; set; }
    public required string Handle { get; set; }
    public required string DisplayName { get; set; }
    public string Bio { get; set; } = "";
    public string Location { get; set; } = "";
    public string Website { get; set; } = "";
    public DateTime JoinedAt { get; set; }

    /// <summary><see cref="Data.SearchKey.For"/> of the handle and display name: what the directory's search matches.</summary>
    public string SearchKey { get; set; } = "";

    /// <summary>The user's posts, kept by the code that writes posts (the seeds), so lists need not count them.</summary>
    public int PostCount { get; set; }

    /// <summary>The user's followers, kept by the code that writes follows (the seeds).</summary>
    public int FollowerCount { get; set; }
}

public sealed class Post
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    public DateTime PublishedAt { get; set; }
    public int LikeCount { get; set; }
}

public sealed class Follow
{
    public int FollowerId { get; set; }
    public int FolloweeId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class UserDailyView
{
    public int UserId { get; set; }
    public DateOnly Day { get; set; }
    public long Views { get; set; }
}

public sealed class SiteSetting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
}
