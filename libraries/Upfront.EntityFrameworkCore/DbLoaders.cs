using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Upfront.Loading;

namespace Upfront.EntityFrameworkCore;

/// <summary>Database loaders: <c>group.Query(contexts, "profile.stats", (db, ct) => …)</c>.</summary>
public static class DbLoaders
{
    // Whether a factory's contexts batch their loaders (BatchedLoaders in their options): looked up once per factory.
    private static readonly ConditionalWeakTable<object, StrongBox<BatchedLoaders?>> Batching = [];

    /// <summary>
    /// Starts a required loader named <paramref name="name"/> that runs <paramref name="query"/> on a context of its own
    /// from <paramref name="contexts"/> (one context cannot run two queries at once; a pooled factory makes the rent
    /// cheap), disposed when the query ends. Pass the token the query is given to every call it makes. For reads only:
    /// a query that fails on a dead pooled connection (a restarted server, a failover: a
    /// <see cref="DbException.IsTransient"/> error) runs once more on a fresh one, which is safe only because it
    /// changed nothing. A provider's interrupted statement (EF Core's <see cref="IExceptionDetector"/>) is a cancellation.
    /// </summary>
    public static Loader<T> Query<TContext, T>(this LoadGroup group, IDbContextFactory<TContext> contexts, string name, Func<TContext, CancellationToken, Task<T>> query)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(query);
        var slot = BatchingOf(contexts) is { } batching ? LoadBatch.Reserve(group, batching) : null;
        try
        {
            return group.Required(name, ct => RunAsync(contexts, query, slot, ct));
        }
        catch
        {
            slot?.Arrive(); // not added: the batch must not wait for it
            throw;
        }
    }

    /// <summary>As the other overload, for a query that returns a <see cref="ValueTask{T}"/> (<c>rows.ToListAsync(ct)</c>).</summary>
    public static Loader<T> Query<TContext, T>(this LoadGroup group, IDbContextFactory<TContext> contexts, string name, Func<TContext, CancellationToken, ValueTask<T>> query)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(query);
        return group.Query(contexts, name, (db, ct) => query(db, ct).AsTask());
    }

    private static BatchedLoaders? BatchingOf<TContext>(IDbContextFactory<TContext> contexts)
        where TContext : DbContext =>
        Batching.GetValue(contexts, static factory =>
        {
            using var db = ((IDbContextFactory<TContext>)factory).CreateDbContext();
            return new StrongBox<BatchedLoaders?>(BatchedLoaders.Of(db.GetService<IDbContextOptions>()));
        }).Value;

    private static async Task<T> RunAsync<TContext, T>(IDbContextFactory<TContext> contexts, Func<TContext, CancellationToken, Task<T>> query, LoadBatch.Slot? slot, CancellationToken cancellationToken)
        where TContext : DbContext
    {
        try
        {
            using var batched = slot?.Enter();
            return await RunAsync(contexts, query, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (slot is not null)
            {
                await slot.ReleaseAsync().ConfigureAwait(false);
                slot.Arrive();
            }
        }
    }

    private static async Task<T> RunAsync<TContext, T>(IDbContextFactory<TContext> contexts, Func<TContext, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
        where TContext : DbContext
    {
        // Leave the caller's thread first: a provider whose "async" calls complete synchronously (SQLite) would
        // otherwise run a page's queries one after another, inside LoadGroup's Add, instead of side by side.
        await Task.Yield();
        for (var attempt = 1; ; attempt++)
        {
            await using var db = contexts.CreateDbContext();
            try
            {
                return await query(db, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt == 1 && IsDeadConnection(ex) && !cancellationToken.IsCancellationRequested)
            {
                if (LoadBatch.Current is { } slot)
                {
                    await slot.ReleaseAsync().ConfigureAwait(false); // the retry runs alone: the batch goes on without it
                }

                // The provider has dropped the broken connection: the next try opens a fresh one. Once only: a second
                // failure is the page's. (EF Core's retrying execution strategy does the same, but buffers every
                // result set to do it.)
            }
            catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested
                && db.GetService<IExceptionDetector>().IsCancellation(ex, cancellationToken))
            {
                throw new OperationCanceledException("The statement was interrupted by the loader's token.", ex, cancellationToken);
            }
        }
    }

    // EF Core hands a provider's transient error on as it is, or (without a retrying strategy) wrapped in an
    // InvalidOperationException ("likely due to a transient failure").
    private static bool IsDeadConnection(Exception ex) =>
        ex is DbException { IsTransient: true } || ex is InvalidOperationException { InnerException: DbException { IsTransient: true } };
}
