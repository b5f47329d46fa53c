using Microsoft.EntityFrameworkCore;
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
        group.Required(name, async cancellationToken =>
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
        });

    /// <summary>A required loader for a list of rows.</summary>
    public static Loader<IReadOnlyList<T>> QueryList<T>(
        this LoadGroup group,
        IDbContextFactory<AppDbContext> factory,
        string name,
        Func<AppDbContext, IAsyncEnumerable<T>> query) =>
        group.Query<IReadOnlyList<T>>(factory, name, async (db, cancellationToken) => await query(db).ToListAsync(cancellationToken));
}
