using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Data;

namespace WebApp.Benchmarks;

/// <summary>
/// What EF Core's thread-safety checks (<c>Database:ThreadSafetyChecks</c>) cost a database loader: one loader of the
/// latest 20 posts, run through <c>group.Query</c> as a page runs it, on the demo data in a SQLite file, checks on
/// (EF Core's default, the baseline) and off.
/// </summary>
[MemoryDiagnoser]
public class ThreadSafetyChecksBenchmarks
{
    private string _folder = "";
    private WebApplication _on = null!;
    private WebApplication _off = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _folder = Directory.CreateTempSubdirectory("webapp-bench-").FullName;
        var connection = $"Data Source={Path.Combine(_folder, "bench.db")}";
        _on = AppHost.Build(new Dictionary<string, string?> { ["ConnectionStrings:Sqlite"] = connection, ["Database:ThreadSafetyChecks"] = "true" });
        _off = AppHost.Build(new Dictionary<string, string?> { ["ConnectionStrings:Sqlite"] = connection, ["Database:ThreadSafetyChecks"] = "false" });
        await using var db = _on.Services.GetRequiredService<PrimaryDbContextFactory>().CreateDbContext();
        await DatabaseMigrations.MigrateAsync(db, CancellationToken.None);
        await DatabaseInitializer.SeedIfEmptyAsync(db, DemoSeedOptions.Default, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _on.DisposeAsync();
        await _off.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "checks on (EF Core's default)")]
    public Task<int> ChecksOn() => LoadAsync(_on);

    [Benchmark(Description = "checks off")]
    public Task<int> ChecksOff() => LoadAsync(_off);

    private static async Task<int> LoadAsync(WebApplication app)
    {
        var db = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        using var group = app.Services.GetRequiredService<LoadGroupFactory>().Create("bench", CancellationToken.None);
        var posts = group.Query(db, "bench.latest", (d, ct) => d.Posts
            .OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id)
            .Take(20)
            .Select(p => new { p.Id, p.Title, p.PublishedAt, p.LikeCount })
            .ToListAsync(ct));
        await group.WaitAsync();
        return posts.Value.Count;
    }
}
