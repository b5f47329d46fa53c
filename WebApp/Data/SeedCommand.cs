using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using WebApp.Hosting;

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

        // The app's own configuration and services, so the command writes exactly where the site reads.
        var builder = WebApplication.CreateBuilder(hostArgs);
        builder.AddWebApp();
        await using var app = builder.Build();
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

    private static async Task CopyAsync(NpgsqlConnection connection, DemoBlock block, IReadOnlyList<SiteSetting> settings, CancellationToken ct)
    {
        // Parents before children: each COPY is checked against the foreign keys as it ends.
        await using (var users = await connection.BeginBinaryImportAsync(
            "COPY users (id, handle, display_name, bio, location, website, joined_at, search_key, post_count, follower_count) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var u in block.Users)
            {
                await users.StartRowAsync(ct);
                await users.WriteAsync(u.Id, NpgsqlDbType.Integer, ct);
                await users.WriteAsync(u.Handle, NpgsqlDbType.Varchar, ct);
                await users.WriteAsync(u.DisplayName, NpgsqlDbType.Varchar, ct);
                await users.WriteAsync(u.Bio, NpgsqlDbType.Varchar, ct);
                await users.WriteAsync(u.Location, NpgsqlDbType.Varchar, ct);
                await users.WriteAsync(u.Website, NpgsqlDbType.Varchar, ct);
                await users.WriteAsync(u.JoinedAt, NpgsqlDbType.TimestampTz, ct);
                await users.WriteAsync(u.SearchKey, NpgsqlDbType.Text, ct);
                await users.WriteAsync(u.PostCount, NpgsqlDbType.Integer, ct);
                await users.WriteAsync(u.FollowerCount, NpgsqlDbType.Integer, ct);
            }

            await users.CompleteAsync(ct);
        }

        await using (var posts = await connection.BeginBinaryImportAsync(
            "COPY posts (id, user_id, title, body, published_at, like_count) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var p in block.Posts)
            {
                await posts.StartRowAsync(ct);
                await posts.WriteAsync(p.Id, NpgsqlDbType.Integer, ct);
                await posts.WriteAsync(p.UserId, NpgsqlDbType.Integer, ct);
                await posts.WriteAsync(p.Title, NpgsqlDbType.Varchar, ct);
                await posts.WriteAsync(p.Body, NpgsqlDbType.Text, ct);
                await posts.WriteAsync(p.PublishedAt, NpgsqlDbType.TimestampTz, ct);
                await posts.WriteAsync(p.LikeCount, NpgsqlDbType.Integer, ct);
            }

            await posts.CompleteAsync(ct);
        }

        await using (var follows = await connection.BeginBinaryImportAsync(
            "COPY follows (follower_id, followee_id, created_at) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var f in block.Follows)
            {
                await follows.StartRowAsync(ct);
                await follows.WriteAsync(f.FollowerId, NpgsqlDbType.Integer, ct);
                await follows.WriteAsync(f.FolloweeId, NpgsqlDbType.Integer, ct);
                await follows.WriteAsync(f.CreatedAt, NpgsqlDbType.TimestampTz, ct);
            }

            await follows.CompleteAsync(ct);
        }

        await using (var views = await connection.BeginBinaryImportAsync(
            "COPY user_daily_views (user_id, day, views) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var v in block.Views)
            {
                await views.StartRowAsync(ct);
                await views.WriteAsync(v.UserId, NpgsqlDbType.Integer, ct);
                await views.WriteAsync(v.Day, NpgsqlDbType.Date, ct);
                await views.WriteAsync(v.Views, NpgsqlDbType.Bigint, ct);
            }

            await views.CompleteAsync(ct);
        }

        foreach (var s in settings)
        {
            await using var command = new NpgsqlCommand("INSERT INTO site_settings (key, value) VALUES ($1, $2)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = s.Key });
            command.Parameters.Add(new NpgsqlParameter { Value = s.Value });
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task InsertAsync(SqliteConnection connection, DemoBlock block, IReadOnlyList<SiteSetting> settings, CancellationToken ct)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await InsertRowsAsync(connection, transaction, "INSERT INTO users (id, handle, display_name, bio, location, website, joined_at, search_key, post_count, follower_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            block.Users, u => [u.Id, u.Handle, u.DisplayName, u.Bio, u.Location, u.Website, u.JoinedAt, u.SearchKey, u.PostCount, u.FollowerCount], ct);
        await InsertRowsAsync(connection, transaction, "INSERT INTO posts (id, user_id, title, body, published_at, like_count) VALUES ($1, $2, $3, $4, $5, $6)",
            block.Posts, p => [p.Id, p.UserId, p.Title, p.Body, p.PublishedAt, p.LikeCount], ct);
        await InsertRowsAsync(connection, transaction, "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)",
            block.Follows, f => [f.FollowerId, f.FolloweeId, f.CreatedAt], ct);
        await InsertRowsAsync(connection, transaction, "INSERT INTO user_daily_views (user_id, day, views) VALUES ($1, $2, $3)",
            block.Views, v => [v.UserId, v.Day, v.Views], ct);
        await InsertRowsAsync(connection, transaction, "INSERT INTO site_settings (key, value) VALUES ($1, $2)",
            settings, s => [s.Key, s.Value], ct);
        await transaction.CommitAsync(ct);
    }

    // One prepared command per table and block, its parameters rebound per row: SQLite's fastest plain insert path.
    private static async Task InsertRowsAsync<T>(SqliteConnection connection, SqliteTransaction transaction, string sql, IReadOnlyList<T> rows, Func<T, object[]> values, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var first = values(rows[0]);
        for (var i = 0; i < first.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = "$" + (i + 1).ToString(CultureInfo.InvariantCulture) });
        }

        await command.PrepareAsync(ct);
        foreach (var row in rows)
        {
            var v = values(row);
            for (var i = 0; i < v.Length; i++)
            {
                // Stored as EF Core stores them, so the site reads bulk rows like seeded ones.
                command.Parameters[i].Value = v[i] switch
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
