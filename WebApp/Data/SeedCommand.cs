using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace WebApp.Data;

/// <summary>
/// <c>seed --users N [--replace]</c>: fills the configured database with <see cref="DemoSeed.GenerateBulk"/> data for
/// benchmarks and load tests, then exits. PostgreSQL gets binary COPY, SQLite batched inserts in one transaction per
/// block. A database that already has users is refused unless <c>--replace</c> is given, which empties every table
/// first: a half-loaded or mixed database is never the result of running it twice.
/// </summary>
public static partial class SeedCommand
{
    public const string Verb = "seed";

    private static readonly string[] Tables = ["user_daily_views", "follows", "posts", "site_settings", "users"];

    public static bool Matches(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        if (!TryParse(args[1..], out var users, out var replace, out var hostArgs))
        {
            await Console.Error.WriteLineAsync("usage: WebApp seed --users N [--replace] [--Database:Provider=Postgres ...]   (N >= 500)");
            return 2;
        }

        // The app's own configuration and database registration, so the command writes exactly where the site reads.
        var builder = Host.CreateApplicationBuilder(hostArgs);
        builder.Services.AddAppDatabase(builder.Configuration, builder.Environment);
        using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SeedCommand));
        var factory = app.Services.GetRequiredService<PrimaryDbContextFactory>();
        var options = app.Services.GetRequiredService<DemoSeedOptions>();
        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopping.Cancel();
        };

        await using var db = factory.CreateDbContext();
        await DatabaseMigrations.MigrateAsync(db, stopping.Token);
        var existing = await db.Users.CountAsync(stopping.Token);
        if (existing > 0 && !replace)
        {
            LogRefused(logger, existing);
            return 3;
        }

        var started = Stopwatch.GetTimestamp();
        var isPostgres = db.Database.IsNpgsql();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(stopping.Token);
        if (existing > 0)
        {
            await EmptyAsync(connection, isPostgres, stopping.Token);
            LogEmptied(logger, existing);
        }

        var settings = DemoSeed.Generate(options).Settings;
        long posts = 0, follows = 0, loaded = 0;
        foreach (var block in DemoSeed.GenerateBulk(options, users))
        {
            if (isPostgres)
            {
                await CopyAsync((NpgsqlConnection)connection, block, loaded == 0 ? settings : [], stopping.Token);
            }
            else
            {
                await InsertAsync((SqliteConnection)connection, block, loaded == 0 ? settings : [], stopping.Token);
            }

            loaded += block.Users.Count;
            posts += block.Posts.Count;
            follows += block.Follows.Count;
            if (loaded == users || loaded % 10_000 < block.Users.Count)
            {
                LogProgress(logger, loaded, users, 100.0 * loaded / users, posts, follows, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }

        // Later blocks follow users of earlier ones, so follower counts are complete only now.
        await ExecuteAsync(connection, UserCounters.RecountSql(isPostgres), stopping.Token);
        if (isPostgres)
        {
            // Fresh statistics, so the planner sees the new sizes before the first page is served, and a visibility
            // map, so the directory's index-only scans need not visit the table.
            await ExecuteAsync(connection, "VACUUM ANALYZE", stopping.Token);
        }

        LogDone(logger, loaded, posts, follows, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return 0;
    }

    private static bool TryParse(string[] args, out int users, out bool replace, out string[] hostArgs)
    {
        users = 0;
        replace = false;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--users" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out users))
                    {
                        hostArgs = [];
                        return false;
                    }

                    break;
                case "--replace":
                    replace = true;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        hostArgs = [.. rest];
        return users >= DemoSeedOptions.Default.Users;
    }

    private static async Task EmptyAsync(System.Data.Common.DbConnection connection, bool isPostgres, CancellationToken ct)
    {
        if (isPostgres)
        {
            await ExecuteAsync(connection, "TRUNCATE " + string.Join(", ", Tables), ct);
            return;
        }

        // Children first, so foreign keys hold at every step.
        foreach (var table in Tables)
        {
            await ExecuteAsync(connection, "DELETE FROM " + table, ct);
        }
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0; // TRUNCATE and ANALYZE of millions of rows outlast any page deadline
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One table as the seed writes it: its name, and per column its name, PostgreSQL type and value.</summary>
    private sealed record Table<T>(string Name, params (string Name, NpgsqlDbType Type, Func<T, object> Value)[] Columns)
    {
        public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));
    }

    // Parents before children: each table is checked against the foreign keys as its rows go in.
    private static readonly Table<User> UserRows = new("users",
        ("id", NpgsqlDbType.Integer, u => u.Id), ("handle", NpgsqlDbType.Varchar, u => u.Handle),
        ("display_name", NpgsqlDbType.Varchar, u => u.DisplayName), ("bio", NpgsqlDbType.Varchar, u => u.Bio),
        ("location", NpgsqlDbType.Varchar, u => u.Location), ("website", NpgsqlDbType.Varchar, u => u.Website),
        ("joined_at", NpgsqlDbType.TimestampTz, u => u.JoinedAt), ("search_key", NpgsqlDbType.Text, u => u.SearchKey),
        ("post_count", NpgsqlDbType.Integer, u => u.PostCount), ("follower_count", NpgsqlDbType.Integer, u => u.FollowerCount));

    private static readonly Table<Post> PostRows = new("posts",
        ("id", NpgsqlDbType.Integer, p => p.Id), ("user_id", NpgsqlDbType.Integer, p => p.UserId),
        ("title", NpgsqlDbType.Varchar, p => p.Title), ("body", NpgsqlDbType.Text, p => p.Body),
        ("published_at", NpgsqlDbType.TimestampTz, p => p.PublishedAt), ("like_count", NpgsqlDbType.Integer, p => p.LikeCount));

    private static readonly Table<Follow> FollowRows = new("follows",
        ("follower_id", NpgsqlDbType.Integer, f => f.FollowerId), ("followee_id", NpgsqlDbType.Integer, f => f.FolloweeId),
        ("created_at", NpgsqlDbType.TimestampTz, f => f.CreatedAt));

    private static readonly Table<UserDailyView> ViewRows = new("user_daily_views",
        ("user_id", NpgsqlDbType.Integer, v => v.UserId), ("day", NpgsqlDbType.Date, v => v.Day), ("views", NpgsqlDbType.Bigint, v => v.Views));

    private static readonly Table<SiteSetting> SettingRows = new("site_settings",
        ("key", NpgsqlDbType.Varchar, s => s.Key), ("value", NpgsqlDbType.Varchar, s => s.Value));

    private static async Task CopyAsync(NpgsqlConnection connection, DemoBlock block, IReadOnlyList<SiteSetting> settings, CancellationToken ct)
    {
        await CopyRowsAsync(connection, UserRows, block.Users, ct);
        await CopyRowsAsync(connection, PostRows, block.Posts, ct);
        await CopyRowsAsync(connection, FollowRows, block.Follows, ct);
        await CopyRowsAsync(connection, ViewRows, block.Views, ct);
        await CopyRowsAsync(connection, SettingRows, settings, ct);
    }

    // Binary COPY: PostgreSQL's fastest load path.
    private static async Task CopyRowsAsync<T>(NpgsqlConnection connection, Table<T> table, IReadOnlyList<T> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var writer = await connection.BeginBinaryImportAsync($"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            foreach (var (_, type, value) in table.Columns)
            {
                await writer.WriteAsync(value(row), type, ct);
            }
        }

        await writer.CompleteAsync(ct);
    }

    private static async Task InsertAsync(SqliteConnection connection, DemoBlock block, IReadOnlyList<SiteSetting> settings, CancellationToken ct)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await InsertRowsAsync(connection, transaction, UserRows, block.Users, ct);
        await InsertRowsAsync(connection, transaction, PostRows, block.Posts, ct);
        await InsertRowsAsync(connection, transaction, FollowRows, block.Follows, ct);
        await InsertRowsAsync(connection, transaction, ViewRows, block.Views, ct);
        await InsertRowsAsync(connection, transaction, SettingRows, settings, ct);
        await transaction.CommitAsync(ct);
    }

    // One prepared command per table and block, its parameters rebound per row: SQLite's fastest plain insert path.
    private static async Task InsertRowsAsync<T>(SqliteConnection connection, SqliteTransaction transaction, Table<T> table, IReadOnlyList<T> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var parameters = table.Columns.Select((_, i) => "$" + (i + 1).ToString(CultureInfo.InvariantCulture)).ToArray();
        command.CommandText = $"INSERT INTO {table.Name} ({table.ColumnList}) VALUES ({string.Join(", ", parameters)})";
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        await command.PrepareAsync(ct);
        foreach (var row in rows)
        {
            for (var i = 0; i < table.Columns.Length; i++)
            {
                // Stored as EF Core stores them, so the site reads bulk rows like seeded ones.
                command.Parameters[i].Value = table.Columns[i].Value(row) switch
                {
                    DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    var other => other,
                };
            }

            await command.ExecuteNonQueryAsync(ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database already has {Users} users; pass --replace to empty it and load again")]
    private static partial void LogRefused(ILogger logger, int users);

    [LoggerMessage(Level = LogLevel.Warning, Message = "--replace: emptied every table ({Users} users were there)")]
    private static partial void LogEmptied(ILogger logger, int users);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Loaded}/{Total} users ({Percent:F0}%), {Posts} posts, {Follows} follows, {Seconds:F1} s")]
    private static partial void LogProgress(ILogger logger, long loaded, int total, double percent, long posts, long follows, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Done: {Users} users, {Posts} posts, {Follows} follows in {Seconds:F1} s")]
    private static partial void LogDone(ILogger logger, long users, long posts, long follows, double seconds);
}
