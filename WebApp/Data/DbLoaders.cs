using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using WebApp.Loading;

namespace WebApp.Data;

/// <summary>
/// Database loaders. Each runs one EF Core compiled query (<see cref="CompiledQuery{TQuery}"/>) on a pooled context
/// of its own (one context cannot run two queries at once). A page adds one with one call shape for a row, a value or
/// a list: <c>group.Query(db, "profile.stats", Stats, handle, weekStart)</c>; a list is read to the end. The loader's
/// name is written only there: its SQL is tagged with it by <see cref="LoaderSqlTag"/>.
/// </summary>
public static class DbLoaders
{
    public static Loader<T> Query<T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, CancellationToken, Task<T>>> query) =>
        group.Required(name, ct => RunAsync(db, (d, c) => query.For(d)(d, c), ct));

    public static Loader<T> Query<TArg, T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, TArg, CancellationToken, Task<T>>> query, TArg arg) =>
        group.Required(name, ct => RunAsync(db, (d, c) => query.For(d)(d, arg, c), ct));

    public static Loader<T> Query<TArg1, TArg2, T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, TArg1, TArg2, CancellationToken, Task<T>>> query, TArg1 arg1, TArg2 arg2) =>
        group.Required(name, ct => RunAsync(db, (d, c) => query.For(d)(d, arg1, arg2, c), ct));

    public static Loader<IReadOnlyList<T>> Query<T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, IAsyncEnumerable<T>>> query) =>
        group.Required(name, ct => RunAsync(db, (d, c) => ListAsync(query.For(d)(d), c), ct));

    public static Loader<IReadOnlyList<T>> Query<TArg, T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, TArg, IAsyncEnumerable<T>>> query, TArg arg) =>
        group.Required(name, ct => RunAsync(db, (d, c) => ListAsync(query.For(d)(d, arg), c), ct));

    public static Loader<IReadOnlyList<T>> Query<TArg1, TArg2, T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, TArg1, TArg2, IAsyncEnumerable<T>>> query, TArg1 arg1, TArg2 arg2) =>
        group.Required(name, ct => RunAsync(db, (d, c) => ListAsync(query.For(d)(d, arg1, arg2), c), ct));

    /// <summary>
    /// A loader whose value may be up to <paramref name="staleness"/> old (<see cref="CachedAsync"/>). The loader still
    /// runs and is timed like any other, so a hit shows in Server-Timing as a fast loader.
    /// </summary>
    public static Loader<T> CachedQuery<T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, CancellationToken, Task<T>>> query, IMemoryCache cache, string key, TimeSpan staleness) =>
        group.Required(name, ct => CachedAsync(cache, db, key, staleness, (d, c) => query.For(d)(d, c), ct));

    public static Loader<IReadOnlyList<T>> CachedQuery<T>(this LoadGroup group, IDbContextFactory<AppDbContext> db, string name,
        CompiledQuery<Func<AppDbContext, IAsyncEnumerable<T>>> query, IMemoryCache cache, string key, TimeSpan staleness) =>
        group.Required(name, ct => CachedAsync(cache, db, key, staleness, (d, c) => ListAsync(query.For(d)(d), c), ct));

    // A loop of its own rather than ToListAsync: one async method fewer per list, and no list of the default size.
    private static async Task<IReadOnlyList<T>> ListAsync<T>(IAsyncEnumerable<T> rows, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>Runs <paramref name="query"/> on a pooled context of its own.</summary>
    public static async Task<T> RunAsync<T>(IDbContextFactory<AppDbContext> factory, Func<AppDbContext, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        // Leave the caller's thread first: SQLite's "async" calls complete synchronously, and would
        // otherwise run a page's queries one after another instead of side by side.
        await Task.Yield();
        for (var attempt = 1; ; attempt++)
        {
            await using var db = factory.CreateDbContext();
            try
            {
                return await query(db, cancellationToken);
            }
            catch (Exception ex) when (attempt == 1 && IsDeadConnection(ex) && !cancellationToken.IsCancellationRequested)
            {
                // A pooled connection whose server session ended (a restarted primary or standby, a failover, an
                // admin's pg_terminate_backend) fails its next statement. Npgsql has dropped it, so one more try opens
                // a fresh connection, on the primary if the standby is gone, and the visitor sees no error. Safe: the
                // loaders only read, and the failed try returned nothing. Once only: a second failure is the page's.
                // (EF Core's retrying execution strategy does the same, but buffers every result set to do it.)
            }
            catch (Exception ex) when (SqliteCancellationDetector.IsInterrupt(ex, cancellationToken))
            {
                // SQLite stopped the statement because the token fired (SqliteStatementGate): that is a cancellation.
                throw new OperationCanceledException("The SQLite statement was interrupted by the loader's token.", ex, cancellationToken);
            }
        }
    }

    // Npgsql's transient errors, as EF Core's Npgsql provider hands them on without a retrying strategy: wrapped
    // in an InvalidOperationException ("likely due to a transient failure").
    private static bool IsDeadConnection(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } || ex is InvalidOperationException { InnerException: NpgsqlException { IsTransient: true } };

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
        if (cache.Get(key) is Cached<T> hit)
        {
            return hit.Value;
        }

        var value = await RunAsync(factory, query, cancellationToken);
        cache.Set(key, new Cached<T>(value), staleness);
        return value;
    }

    private sealed record Cached<T>(T Value);
}
