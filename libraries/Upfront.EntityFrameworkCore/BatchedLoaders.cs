using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// One round trip for a page's database loaders: the first statement of each <see cref="DbLoaders.Query{TContext, T}(Upfront.Loading.LoadGroup, Microsoft.EntityFrameworkCore.IDbContextFactory{TContext}, string, Func{TContext, CancellationToken, Task{T}})"/>
/// loader is not executed on the loader's own connection but collected, and once the group is sealed and every
/// database loader has sent its statement (or finished without one), all of them go to the server as one ADO.NET
/// <see cref="DbBatch"/> on one connection. Each loader then reads its own result set, in the order they were sent,
/// and keeps its own name, result, failure and timing. The SQL is still EF Core's: each loader runs its query as
/// before; only where its command executes changes.
/// </summary>
/// <remarks>
/// Add it last to a context's options (a provider package does: <c>UseBatchedLoaders()</c>), after the interceptors that
/// change statements, so the batch carries their text. What is not batched runs on the loader's own connection, as
/// without it: a loader's second statement, a synchronous query, a statement sent after the batch left or after one
/// before it failed, and every loader of a group with a concurrency bound (batched loaders wait for each other, so a
/// bound would deadlock them). A failing statement fails its loader with the provider's own exception, and since a
/// database loader is required, the group cancels the rest (R2).
/// </remarks>
public sealed class BatchedLoaders : DbConnectionInterceptor, IDbCommandInterceptor
{
    private static readonly ConditionalWeakTable<IDbContextOptions, StrongBox<BatchedLoaders?>> ByOptions = [];

    private readonly Action<DbBatch>? _configure;

    /// <summary>Batches with the provider's own settings applied by <paramref name="configure"/> (Npgsql: error barriers).</summary>
    public BatchedLoaders(Action<DbBatch>? configure = null) => _configure = configure;

    /// <summary>The batching configured on a context's options, or null.</summary>
    internal static BatchedLoaders? Of(IDbContextOptions options) =>
        ByOptions.GetValue(options, static o => new StrongBox<BatchedLoaders?>(
            o.FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<BatchedLoaders>().FirstOrDefault())).Value;

    internal void Configure(DbBatch batch) => _configure?.Invoke(batch);

    /// <inheritdoc/>
    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        LoadBatch.Current is { CanSubmit: true } ? InterceptionResult.Suppress() : result;

    /// <inheritdoc/>
    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(LoadBatch.Current is { CanSubmit: true } ? InterceptionResult.Suppress() : result);

    /// <inheritdoc/>
    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (LoadBatch.Current is { } slot)
        {
            // Synchronous: it cannot wait for the batch, so it runs on its own connection.
            slot.Leave();
            OpenIfSuppressed(command);
        }

        return result;
    }

    /// <inheritdoc/>
    public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (LoadBatch.Current is not { } slot)
        {
            return result;
        }

        if (slot.CanSubmit && await slot.SubmitAsync(command).ConfigureAwait(false) is { } reader)
        {
            return InterceptionResult<DbDataReader>.SuppressWithResult(reader);
        }

        await OpenIfSuppressedAsync(command, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc/>
    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) => Alone(command, result);

    /// <inheritdoc/>
    public async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        await AloneAsync(command, result, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) => Alone(command, result);

    /// <inheritdoc/>
    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        await AloneAsync(command, result, cancellationToken).ConfigureAwait(false);

    // Scalars and non-queries are not batched (EF Core's queries read through readers): they run on their own connection.
    private static T Alone<T>(DbCommand command, T result)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (LoadBatch.Current is { } slot)
        {
            slot.Leave();
            OpenIfSuppressed(command);
        }

        return result;
    }

    private static async ValueTask<T> AloneAsync<T>(DbCommand command, T result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (LoadBatch.Current is { } slot)
        {
            slot.Leave();
            await OpenIfSuppressedAsync(command, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    // EF Core believes the connection open (its open was suppressed for the batch): open it for real.
    private static void OpenIfSuppressed(DbCommand command)
    {
        if (command.Connection is { State: ConnectionState.Closed } connection)
        {
            connection.Open();
        }
    }

    private static async ValueTask OpenIfSuppressedAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (command.Connection is { State: ConnectionState.Closed } connection)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
