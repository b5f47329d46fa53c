using Microsoft.EntityFrameworkCore;
using WebApp.Loading;

namespace WebApp.Data;

public static class DbLoaders
{
    /// <summary>
    /// Adds a required loader that runs <paramref name="query"/> on a context of its own (one
    /// context cannot run two queries at once). The query gets the loader's name to tag itself with.
    /// </summary>
    public static Loader<T> Query<T>(
        this LoadGroup group,
        IDbContextFactory<AppDbContext> factory,
        string name,
        Func<AppDbContext, string, CancellationToken, Task<T>> query) =>
        group.Required(name, async cancellationToken =>
        {
            // Leave the caller's thread first: SQLite's "async" calls complete synchronously, and would
            // otherwise run a page's queries one after another instead of side by side.
            await Task.Yield();
            await using var db = factory.CreateDbContext();
            return await query(db, name, cancellationToken);
        });
}
