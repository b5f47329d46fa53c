using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Upfront.Loading;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// Starts every statement a loader runs with a comment naming it (<c>-- profile.stats</c>, the form of EF Core's
/// <c>TagWith</c>), so a query in the logs or in the server's list of running statements names its loader and its
/// Server-Timing entry. The name comes from <see cref="CurrentLoader"/>: a loader's name is written once, where the
/// page adds it. Statements outside loaders (migrations, writes) are left as they are. Add it with
/// <see cref="DbLoaderOptionsExtensions.UseLoaderSqlTags"/>.
/// </summary>
public sealed class LoaderSqlTag : LoaderStatementInterceptor
{
    /// <summary>The one instance: it keeps no per-context state.</summary>
    public static readonly LoaderSqlTag Instance = new();

    // EF Core gives a compiled query's command the same SQL string every time, so each (loader, SQL) pair's text is
    // built once and kept. Keyed by reference, so a lookup does not hash the SQL; bounded, so that SQL built anew on
    // every call cannot grow it without end.
    private const int MaxKept = 1024;
    private static readonly ConcurrentDictionary<(string Name, string Sql), string> Tagged = new(SameStrings.Instance);

    private LoaderSqlTag()
    {
    }

    /// <inheritdoc/>
    protected override void Rewrite(DbCommand command, string loader)
    {
        var name = loader;
        var sql = command.CommandText;
        if (!Tagged.TryGetValue((name, sql), out var tagged))
        {
            // Loader names are code, not input; a line break would still end the comment, so none is let through.
            if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
            {
                return;
            }

            tagged = $"-- {name}\n\n{sql}";
            if (Tagged.Count < MaxKept)
            {
                Tagged.TryAdd((name, sql), tagged);
            }
        }

        command.CommandText = tagged;
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
