using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Pages;
using WebApp.Pages.Shared;

namespace WebApp.Benchmarks;

/// <summary>
/// The profile page's preload on a seeded PostgreSQL (the bulk seed, <see cref="Users"/> users): awaited one after
/// another on one context, against LoadGroup as the page runs them (a context per loader), unbounded and with
/// MaxConcurrency=1. Handles rotate so that no single row stays hot. Both read the site announcement through the
/// app's cache, as the page does (<see cref="SiteAnnouncement.Load"/>): four queries and a cache hit.
/// </summary>
[MemoryDiagnoser]
public class PostgresPreloadBenchmarks
{
    private ThrowawayPostgres _postgres = null!;
    private WebApplication _app = null!;
    private WebApplication _sequentialApp = null!;
    private IDbContextFactory<AppDbContext> _db = null!;
    private IMemoryCache _cache = null!;
    private LoadGroupFactory _loads = null!;
    private LoadGroupFactory _oneAtATime = null!;
    private string[] _handles = [];
    private int _next;
    private DateOnly _weekStart;

    [Params(10_000)]
    public int Users { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _postgres = ThrowawayPostgres.Start();
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = _postgres.ConnectionString,
        };
        var seeded = await SeedCommand.RunAsync(["seed", "--users", Users.ToString(System.Globalization.CultureInfo.InvariantCulture), .. settings.Select(s => $"--{s.Key}={s.Value}")]);
        if (seeded is not (0 or 3))
        {
            throw new InvalidOperationException($"The bulk seed failed ({seeded}).");
        }

        _app = AppHost.Build(settings);
        _sequentialApp = AppHost.Build(new Dictionary<string, string?>(settings) { ["Loading:MaxConcurrency"] = "1" });
        _db = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _cache = _app.Services.GetRequiredService<IMemoryCache>();
        _loads = _app.Services.GetRequiredService<LoadGroupFactory>();
        _oneAtATime = _sequentialApp.Services.GetRequiredService<LoadGroupFactory>();
        _weekStart = DateOnly.FromDateTime(DemoSeedOptions.Default.ReferenceTime).AddDays(-7);
        await using var db = _db.CreateDbContext();
        _handles = [.. await db.Users.OrderBy(u => u.Id).Select(u => u.Handle).Take(Users).ToListAsync()];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        await _sequentialApp.DisposeAsync();
        _postgres.Dispose();
    }

    private string NextHandle() => _handles[(int)((uint)Interlocked.Increment(ref _next) * 7919u % (uint)_handles.Length)];

    [Benchmark(Baseline = true, Description = "sequential awaits, one context")]
    public async Task<int> Sequential()
    {
        var handle = NextHandle();
        await using var db = _db.CreateDbContext();
        var ct = CancellationToken.None;
        var user = await ProfileModel.Card.For(db)(db, handle, ct);
        var stats = await ProfileModel.Stats.For(db)(db, handle, _weekStart, ct);
        var posts = await ProfileModel.Posts.For(db)(db, handle, 0).ToListAsync(ct);
        var following = await ProfileModel.Following.For(db)(db, handle).ToListAsync(ct);
        var announcement = await SiteAnnouncement.GetAsync(_db, _cache, ct);
        return (user is null ? 0 : 1) + (stats?.Posts ?? 0) + posts.Count + following.Count + (announcement?.Length ?? 0);
    }

    [Benchmark(Description = "LoadGroup, as the page")]
    public Task<int> LoadGroup() => LoadAsync(_loads);

    [Benchmark(Description = "LoadGroup, MaxConcurrency=1")]
    public Task<int> LoadGroupOneAtATime() => LoadAsync(_oneAtATime);

    // The page's own preload (ProfileModel.Load), under a group from the given factory.
    private async Task<int> LoadAsync(LoadGroupFactory loads)
    {
        var handle = NextHandle();
        using var group = loads.Create("profile", CancellationToken.None);
        var (user, stats, posts, following, announcement, _) = ProfileModel.Load(group, _db, _cache, handle, 1, _weekStart);
        await group.WaitAsync();
        return (user.Value is null ? 0 : 1) + (stats.Value?.Posts ?? 0) + posts.Value.Count + following.Value.Count + (announcement.Value?.Length ?? 0);
    }
}
