using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using WebApp.Loading;

namespace WebApp.Data;

/// <summary>
/// Database loaders. Each runs one EF Core compiled query (<see cref="EF.CompileAsyncQuery"/>) on a pooled
/// context of its own (one context cannot run two queries at once). A compiled query skips building and
/// looking up the LINQ expression tree on every request; it tags its SQL with the loader's name
/// (<c>TagWith</c>), so a query can be found in logs and <c>pg_stat_activity</c> by the loader that ran it.
/// </summary>
public static class DbLoaders
{
    /// <summary>A required loader for a single row or a scalar.</summary>
    public static Loader<T> Query<T>(
        this LoadGroup group,
        IDbContextFactory<AppDbContext> factory,
        string name,
        Func<AppDbContext, CancellationToken, Task<T>> query) =>
        group.Required(name, cancellationToken => RunAsync(factory, query, cancellationToken));

    /// <summary>A required loader for a list of rows.</summary>
    public static Loader<IReadOnlyList<T>> QueryList<T>(
        this LoadGroup group,
        IDbContextFactory<AppDbContext> factory,
        string name,
        Func<AppDbContext, IAsyncEnumerable<T>> query) =>
        group.Query<IReadOnlyList<T>>(factory, name, async (db, cancellationToken) => await query(db).ToListAsync(cancellationToken));

    /// <summary>
    /// A required loader whose value may be up to <paramref name="staleness"/> old (<see cref="CachedAsync"/>).
    /// The loader still runs and is timed like any other, so a hit shows in Server-Timing as a fast loader.
    /// </summary>
    public static Loader<T> CachedQuery<T>(
        this LoadGroup group,
        IMemoryCache cache,
        IDbContextFactory<AppDbContext> factory,
        string name,
        string key,
        TimeSpan staleness,
        Func<AppDbContext, CancellationToken, Task<T>> query) =>
        group.Required(name, cancellationToken => CachedAsync(cache, factory, key, staleness, query, cancellationToken));

    /// <summary>Runs <paramref name="query"/> on a pooled context of its own.</summary>
    public static async Task<T> RunAsync<T>(IDbContextFactory<AppDbContext> factory, Func<AppDbContext, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        // Leave the caller's thread first: SQLite's "async" calls complete synchronously, and would
        // otherwise run a page's queries one after another instead of side by side.
        await Task.Yield();
        await using var db = factory.CreateDbContext();
        try
        {
            return await query(db, cancellationToken);
        }
        catch (Exception ex) when (SqliteCancellationDetector.IsInterrupt(ex, cancellationToken))
        {
            // SQLite stopped the statement because the token fired (SqliteStatementGate): that is a cancellation.
            throw new OperationCanceledException("The SQLite statement was interrupted by the loader's token.", ex, cancellationToken);
        }
    }

    /// <summary>
    /// The value of <paramref name="query"/> from the in-memory cache, at most <paramref name="staleness"/> old. On a
    /// miss the query runs inside this loader, so it ends with the request like any other (rule R3); requests that miss
    /// together each run it. HybridCache's shared fetch was tried and dropped: a fetch that ignores its token outlived
    /// the request that started it (PageFaultTests' hanging loader).
    /// </summary>
    public static async Task<T> CachedAsync<T>(
        IMemoryCache cache,
        IDbContextFactory<AppDbContext> factory,
        string key,
        TimeSpan staleness,
        Func<AppDbContext, CancellationToken, Task<T>> query,
        CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(key, out Cached<T>? hit) && hit is not null)
        {
            return hit.Value;
        }

        var value = await RunAsync(factory, query, cancellationToken);
        cache.Set(key, new Cached<T>(value), staleness);
        return value;
    }

    private sealed record Cached<T>(T Value);
}
