using System.Globalization;

namespace WebApp.Data;

public sealed record DemoSeedOptions(int Users, int RandomSeed, DateTime ReferenceTime)
{
    /// <summary>About 500 users with about 20 posts each, as of 2026-01-01 00:00 UTC.</summary>
    public static DemoSeedOptions Default { get; } = new(500, 20260101, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
}

public sealed record DemoData(
    IReadOnlyList<User> Users,
    IReadOnlyList<Post> Posts,
    IReadOnlyList<Follow> Follows,
    IReadOnlyList<UserDailyView> Views,
    IReadOnlyList<SiteSetting> Settings);

/// <summary>A block of bulk data: users and their own posts, follows and views.</summary>
public sealed record DemoBlock(
    IReadOnlyList<User> Users,
    IReadOnlyList<Post> Posts,
    IReadOnlyList<Follow> Follows,
    IReadOnlyList<UserDailyView> Views);

/// <summary>
/// Generates the demo data from a fixed random seed and a fixed reference time, so every run and both
/// providers hold the same rows (and so render the same HTML). Times are whole seconds, which both
/// providers store exactly. Some text is hostile on purpose, to prove that pages encode it.
/// </summary>
public static class DemoSeed
{
    public const string AnnouncementKey = "announcement";

    private static readonly (string Display, string Stem)[] FirstNames =
    [
        ("Ada", "ada"), ("Zoë", "zoe"), ("李", "li"), ("Мария", "maria"), ("محمد", "mohammed"),
        ("Søren", "soren"), ("José", "jose"), ("Aiko 愛子", "aiko"), ("Đức", "duc"), ("Noa", "noa"),
        ("Olu", "olu"), ("Grace", "grace"), ("Kwame", "kwame"), ("Ingrid", "ingrid"), ("Priya", "priya"),
        ("Mateo", "mateo"), ("Yuki", "yuki"), ("Amara", "amara"), ("Lars", "lars"), ("Fatima", "fatima"),
        ("Chen", "chen"), ("Élodie", "elodie"), ("Ravi", "ravi"), ("Olga", "olga"), ("Tomás", "tomas"),
        ("Nia", "nia"), ("Hiro", "hiro"), ("Leila", "leila"), ("Finn", "finn"), ("Ana", "ana"),
        ("דוד", "david"), ("Σοφία", "sofia"),
    ];

    private static readonly (string Display, string Stem)[] LastNames =
    [
        ("Lovelace", "lovelace"), ("Hopper", "hopper"), ("O'Brien", "obrien"), ("Nakamura", "nakamura"),
        ("Okafor", "okafor"), ("Müller", "muller"), ("García", "garcia"), ("Ivanova", "ivanova"),
        ("Nguyễn", "nguyen"), ("Kowalski", "kowalski"), ("Haddad", "haddad"), ("Johansson", "johansson"),
        ("Singh", "singh"), ("Rossi", "rossi"), ("王", "wang"), ("Smith & Sons", "smith"),
        ("Dubois", "dubois"), ("Mensah", "mensah"), ("Kim", "kim"), ("Silva", "silva"),
    ];

    private static readonly string[] Flourishes = ["", "", "", "", " 🦊", " ☕", " 🚀", " \"the dev\"", " <b>bold</b>"];

    private static readonly string[] Places =
    [
        "Lagos", "Tōkyō", "São Paulo", "Berlin", "Montréal", "Reykjavík", "القاهرة", "Kraków", "Auckland",
        "Zürich", "Москва", "Nairobi", "", "Earth & Moon", "<unknown>",
    ];

    private static readonly string[] Topics =
    [
        "deadlines", "cancellation tokens", "connection pools", "Razor views", "PostgreSQL", "SQLite",
        "async/await", "goroutines", "caching", "HTML encoding", "indexes", "load tests", "coffee ☕",
        "emoji 🎉", "<script> tags", "\"quotes\"", "R&D", "日本語", "العربية", "Ελληνικά",
    ];

    private static readonly string[] TitleShapes =
    [
        "Notes on {0}", "Why {0} matter", "{0} in practice", "A week with {0}", "{0} & {1}",
        "What I got wrong about {0}", "{0} vs. {1}", "\"{0}\" is not what you think", "5 < {0} > 3?",
    ];

    private static readonly string[] Sentences =
    [
        "Every request gets one deadline, and every query honours it.",
        "I measured it twice & the numbers held.",
        "The view only reads its model; nothing in it waits on I/O.",
        "Use <strong> only where it means something, not for style.",
        "Cancelled work is cheap; orphaned work is not.",
        "Ich habe es gestern ausprobiert — es funktioniert.",
        "これはテストの文章です。",
        "هذه جملة للاختبار.",
        "It's \"fine\" until the pool runs dry 🔥.",
        "Measure first, then guess less.",
        "A 504 page is an honest answer when the deadline passes.",
        "<img src=x onerror=alert(1)> should show up as text.",
    ];

    public static DemoData Generate(DemoSeedOptions options)
    {
        var random = new Random(options.RandomSeed);
        var reference = options.ReferenceTime;
        var users = new List<User>(options.Users);
        var handles = new HashSet<string>(StringComparer.Ordinal);

        for (var id = 1; id <= options.Users; id++)
        {
            // A name already taken gets the first free number: ada_lovelace, ada_lovelace2, …
            users.Add(NewUser(random, id, reference, stem =>
            {
                var handle = stem;
                for (var n = 2; !handles.Add(handle); n++)
                {
                    handle = stem + n.ToString(CultureInfo.InvariantCulture);
                }

                return handle;
            }));
        }

        // A few rows that attack the page, so every test sees them.
        users[0].DisplayName = "<script>alert(\"pwned\")</script> Mallory";
        users[0].Bio = "Tom & Jerry's \"best\" <b>friends</b> — 'quoted' <i>text</i> 🐱🐭";
        users[0].Website = "javascript:alert(1)";
        users[1].DisplayName = "مريم الخوارزمي 🌙";
        users[2].DisplayName = "Zoë \"Zed\" O'Brien & Co. 🎉";

        var posts = new List<Post>(options.Users * 20);
        var postId = 1;
        foreach (var user in users)
        {
            AddPosts(random, reference, user, posts, ref postId);
        }

        var follows = new List<Follow>();
        var views = new List<UserDailyView>();
        AddFollows(random, reference, users, options.Users, id => users[id - 1].JoinedAt, follows);
        AddViews(random, DateOnly.FromDateTime(reference), users, views);

        var settings = new List<SiteSetting>
        {
            new() { Key = AnnouncementKey, Value = "Welcome to WebApp — every page loads its data at once & renders with no I/O. <Try> the directory!" },
        };

        SetDerived(users, posts, follows);
        return new DemoData(users, posts, follows, views, settings);
    }

    /// <summary>
    /// The default data as the first block, then users beyond it in blocks of <see cref="BulkBlockSize"/>. Any total therefore starts with exactly the rows of <see cref="Generate"/> (the same
    /// users, posts, follows and views), and the data for N users is a prefix of the data for any larger N: each bulk
    /// user's rows come from a random seed of its own. A bulk user follows only users before it, so blocks can be
    /// loaded in order with foreign keys checked;
    /// the default users gain followers from bulk users (their follower counts grow), nothing else about them changes.
    /// Bulk handles end in <c>_{id}</c>, which no default handle does, so they never collide.
    /// </summary>
    public static IEnumerable<DemoBlock> GenerateBulk(DemoSeedOptions options, int totalUsers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalUsers, options.Users);
        var defaults = Generate(options);
        yield return new DemoBlock(defaults.Users, defaults.Posts, defaults.Follows, defaults.Views);

        var reference = options.ReferenceTime;
        var today = DateOnly.FromDateTime(reference);
        var joined = new DateTime[totalUsers + 1];
        foreach (var user in defaults.Users)
        {
            joined[user.Id] = user.JoinedAt;
        }

        var postId = defaults.Posts.Count == 0 ? 1 : defaults.Posts[^1].Id + 1;
        for (var first = options.Users + 1; first <= totalUsers; first += BulkBlockSize)
        {
            var last = Math.Min(totalUsers, first + BulkBlockSize - 1);
            var users = new List<User>(last - first + 1);
            var posts = new List<Post>(users.Capacity * 20);
            var follows = new List<Follow>();
            var views = new List<UserDailyView>();
            for (var id = first; id <= last; id++)
            {
                // A seed of its own per user (not HashCode, which differs per process), and follows of earlier users
                // only: a user's rows depend on nothing after it, so any total is a prefix of a larger one.
                var random = new Random(unchecked(options.RandomSeed + (id * 7919)));
                var user = NewUser(random, id, reference, stem => string.Create(CultureInfo.InvariantCulture, $"{stem}_{id}"));
                joined[id] = user.JoinedAt;
                users.Add(user);
                AddPosts(random, reference, user, posts, ref postId);
                AddFollows(random, reference, [user], id - 1, other => joined[other], follows);
                AddViews(random, today, [user], views);
            }

            // Follower counts here are the block's own; the seed command recounts them once every block is in.
            SetDerived(users, posts, follows);
            yield return new DemoBlock(users, posts, follows, views);
        }
    }

    public const int BulkBlockSize = 1000;

    /// <summary>
    /// The one user generator, of the default users and the bulk ones: names, then the join time, then the profile's
    /// text, drawn from <paramref name="random"/> in that order (the default seed, and every snapshot, rely on it).
    /// </summary>
    private static User NewUser(Random random, int id, DateTime reference, Func<string, string> handleFor)
    {
        var first = FirstNames[random.Next(FirstNames.Length)];
        var last = LastNames[random.Next(LastNames.Length)];
        var handle = handleFor(first.Stem + "_" + last.Stem);
        var joined = reference.AddSeconds(-random.Next(30 * 86400, 1500 * 86400));
        return new User
        {
            Id = id,
            Handle = handle,
            DisplayName = first.Display + " " + last.Display + Flourishes[random.Next(Flourishes.Length)],
            Bio = Sentence(random) + " " + Sentence(random),
            Location = Places[random.Next(Places.Length)],
            Website = random.Next(3) == 0 ? "" : $"https://example.com/{handle}?ref=webapp&lang=en",
            JoinedAt = joined,
        };
    }

    /// <summary>The columns the app derives from the others: the search key and the counters.</summary>
    private static void SetDerived(IReadOnlyList<User> users, IReadOnlyList<Post> posts, IReadOnlyList<Follow> follows)
    {
        foreach (var user in users)
        {
            user.SearchKey = SearchKey.For(user.Handle, user.DisplayName);
        }

        UserCounters.Set(users, posts, follows);
    }

    // Shared by Generate and GenerateBulk; draws from the random in a fixed order, which the default seed relies on.
    /// <summary>Each user follows up to 30 others among users 1..<paramref name="lastId"/>, after both joined.</summary>
    private static void AddFollows(Random random, DateTime reference, IReadOnlyList<User> users, int lastId, Func<int, DateTime> joinedAt, List<Follow> follows)
    {
        foreach (var user in users)
        {
            var followees = new HashSet<int>();
            var count = random.Next(0, 31);
            for (var i = 0; i < count; i++)
            {
                var other = random.Next(1, lastId + 1);
                if (other != user.Id && followees.Add(other))
                {
                    var later = user.JoinedAt > joinedAt(other) ? user.JoinedAt : joinedAt(other);
                    follows.Add(new Follow
                    {
                        FollowerId = user.Id,
                        FolloweeId = other,
                        CreatedAt = later.AddSeconds(random.Next(1, Math.Max(2, (int)(reference - later).TotalSeconds))),
                    });
                }
            }
        }
    }

    /// <summary>Two weeks of daily views before <paramref name="today"/> for every fifth user.</summary>
    private static void AddViews(Random random, DateOnly today, IReadOnlyList<User> users, List<UserDailyView> views)
    {
        foreach (var user in users.Where(u => u.Id % 5 == 0))
        {
            for (var day = 1; day <= 14; day++)
            {
                views.Add(new UserDailyView { UserId = user.Id, Day = today.AddDays(-day), Views = random.Next(1, 40) });
            }
        }
    }

    private static void AddPosts(Random random, DateTime reference, User user, List<Post> posts, ref int postId)
    {
        var count = random.Next(10, 31);
        var span = (int)(reference - user.JoinedAt).TotalSeconds;
        for (var i = 0; i < count; i++)
        {
            var topicA = Topics[random.Next(Topics.Length)];
            var topicB = Topics[random.Next(Topics.Length)];
            var title = string.Format(CultureInfo.InvariantCulture, TitleShapes[random.Next(TitleShapes.Length)], topicA, topicB);
            var paragraphs = random.Next(1, 4);
            var body = string.Join("\n\n", Enumerable.Range(0, paragraphs).Select(_ => Sentence(random) + " " + Sentence(random) + " " + Sentence(random)));
            posts.Add(new Post
            {
                Id = postId++,
                UserId = user.Id,
                Title = title,
                Body = body,
                PublishedAt = user.JoinedAt.AddSeconds(random.Next(1, span)),
                LikeCount = random.Next(0, 500),
            });
        }
    }

    private static string Sentence(Random random) => Sentences[random.Next(Sentences.Length)];
}
