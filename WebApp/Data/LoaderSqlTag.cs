using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
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

    // EF Core gives a compiled query's command the same SQL string every time, so each (loader, SQL) pair's tagged
    // text is built once and kept, instead of a copy of the SQL per statement. Keyed by reference, so a lookup does
    // not hash the SQL; bounded, so that SQL built anew on every call can never grow it without end.
    private const int MaxTagged = 1024;
    private static readonly ConcurrentDictionary<(string Name, string Sql), string> TaggedTexts = new(SameStrings.Instance);

    private static T Tagged<T>(DbCommand command, T result)
    {
        if (CurrentLoader.Name is not { } name)
        {
            return result;
        }

        var sql = command.CommandText;
        if (!TaggedTexts.TryGetValue((name, sql), out var tagged))
        {
            // Loader names are code, not input; a line break would still end the comment, so none is let through.
            // Checked here, once per pair: a kept text was checked when it was built.
            if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
            {
                return result;
            }

            tagged = $"-- {name}\n\n{sql}";
            if (TaggedTexts.Count < MaxTagged)
            {
                TaggedTexts.TryAdd((name, sql), tagged);
            }
        }

        command.CommandText = tagged;
        return result;
    }

    private sealed class SameStrings : IEqualityComparer<(string Name, string Sql)>
    {
        public static readonly SameStrings Instance = new();

        public bool Equals((string Name, string Sql) x, (string Name, string Sql) y) =>
            ReferenceEquals(x.Name, y.Name) && ReferenceEquals(x.Sql, y.Sql);

        public int GetHashCode((string Name, string Sql) key) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(key.Name), RuntimeHelpers.GetHashCode(key.Sql));
    }
}
