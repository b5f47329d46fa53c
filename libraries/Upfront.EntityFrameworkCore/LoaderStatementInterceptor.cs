using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Upfront.Loading;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// An interceptor that changes the statements loaders run (readers and scalars, sync and async) and leaves every other
/// statement as EF Core wrote it: <see cref="LoaderSqlTag"/>, and provider packages' rewrites.
/// </summary>
public abstract class LoaderStatementInterceptor : DbCommandInterceptor
{
    /// <summary>Changes <paramref name="command"/>, run by the loader named <paramref name="loader"/>, before it executes.</summary>
    protected abstract void Rewrite(DbCommand command, string loader);

    /// <inheritdoc/>
    public sealed override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Intercept(command, result);

    /// <inheritdoc/>
    public sealed override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Intercept(command, result));

    /// <inheritdoc/>
    public sealed override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Intercept(command, result);

    /// <inheritdoc/>
    public sealed override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Intercept(command, result));

    private T Intercept<T>(DbCommand command, T result)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (CurrentLoader.Name is { } loader)
        {
            Rewrite(command, loader);
        }

        return result;
    }
}
