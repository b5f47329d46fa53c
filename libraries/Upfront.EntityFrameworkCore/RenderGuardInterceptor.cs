using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Upfront.Rendering;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// Checks every EF Core command and connection open of a context against the render phase (<see cref="RenderGuard"/>).
/// Added to a context type by <see cref="RenderGuardBuilderExtensions.ForDbContext{TContext}"/>.
/// </summary>
public sealed class RenderGuardInterceptor(RenderGuard guard) : DbConnectionInterceptor, IDbCommandInterceptor
{
    /// <inheritdoc/>
    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        guard.Check(eventData, static e => $"database connection open ({e.Context?.GetType().Name})");
        return result;
    }

    /// <inheritdoc/>
    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        guard.Check(eventData, static e => $"database connection open ({e.Context?.GetType().Name})");
        return ValueTask.FromResult(result);
    }

    /// <inheritdoc/>
    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        guard.Check(command, Describe);
        return result;
    }

    /// <inheritdoc/>
    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        guard.Check(command, Describe);
        return ValueTask.FromResult(result);
    }

    /// <inheritdoc/>
    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        guard.Check(command, Describe);
        return result;
    }

    /// <inheritdoc/>
    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        guard.Check(command, Describe);
        return ValueTask.FromResult(result);
    }

    /// <inheritdoc/>
    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        guard.Check(command, Describe);
        return result;
    }

    /// <inheritdoc/>
    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        guard.Check(command, Describe);
        return ValueTask.FromResult(result);
    }

    /// <summary>The command's first line: the loader tag when it has one, else the start of the SQL.</summary>
    private static string Describe(DbCommand command)
    {
        var text = command.CommandText.TrimStart();
        var line = text.Split('\n', 2)[0].Trim();
        return "database command: " + (line.Length > 120 ? line[..120] + "…" : line);
    }
}
