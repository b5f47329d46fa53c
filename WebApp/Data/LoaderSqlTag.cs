using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using WebApp.Loading;

namespace WebApp.Data;

/// <summary>
/// Starts every statement a loader runs with a comment naming it (<c>-- profile.stats</c>, the form of EF Core's
/// <c>TagWith</c>), so a query in the logs or in <c>pg_stat_activity</c> names the loader, and the Server-Timing entry,
/// it belongs to. The name comes from <see cref="CurrentLoader"/>: a loader's name is written once, where the page
/// adds it. Statements outside loaders (migrations, the seed, page-view writes) are left as they are.
/// </summary>
public sealed class LoaderSqlTag : DbCommandInterceptor
{
    public static readonly LoaderSqlTag Instance = new();

    private LoaderSqlTag()
    {
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        Tagged(command, result);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Tagged(command, result));

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
        Tagged(command, result);

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Tagged(command, result));

    private static T Tagged<T>(DbCommand command, T result)
    {
        // Loader names are code, not input; a line break would still end the comment, so none is let through.
        if (CurrentLoader.Name is { } name && !name.Contains('\n', StringComparison.Ordinal) && !name.Contains('\r', StringComparison.Ordinal))
        {
            command.CommandText = $"-- {name}\n\n{command.CommandText}";
        }

        return result;
    }
}
