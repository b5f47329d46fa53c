using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using WebApp.Loading;

namespace WebApp.Data;

/// <summary>
/// Starts every statement a loader runs with a comment naming it (<c>-- profile.stats</c>, the form of EF Core's
/// <c>TagWith</c>), so a query in the logs or in <c>pg_stat_activity</c> names the loader, and the Server-Timing entry,
/// it belongs to. The name comes from <see cref="CurrentLoader"/>: a loader's name is written once, where the page
/// adds it. Statements outside loaders (migrations, the seed, page-view writes) are left as they are.
/// </summary>
/// <remarks>
/// On PostgreSQL the kept text also has PostgreSQL's own placeholders (<c>$1</c>) in place of EF Core's named ones
/// (<c>@handle</c>), and the statement's parameters become positional. Npgsql then sends the text as it is; with
/// named parameters it parses and rewrites every statement into a new string, each time it runs (a twentieth of a
/// profile's allocations). EF Core's Npgsql provider does not generate positional parameters itself
/// (npgsql/efcore.pg#1923). PostgreSQL receives the same text either way.
/// </remarks>
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

    /// <summary>
    /// A loader statement's tagged text; on PostgreSQL also its positional text, with the parameter names (in order)
    /// that it was built for.
    /// </summary>
    private sealed record Statement(string Tagged, string? Positional = null, string[]? PositionalFor = null);

    // EF Core gives a compiled query's command the same SQL string every time, so each (loader, SQL) pair's statement
    // is built once and kept, instead of a copy of the SQL per statement. Keyed by reference, so a lookup does not
    // hash the SQL; bounded, so that SQL built anew on every call can never grow it without end.
    private const int MaxTagged = 1024;
    private static readonly ConcurrentDictionary<(string Name, string Sql), Statement> Statements = new(SameStrings.Instance);

    private static T Tagged<T>(DbCommand command, T result)
    {
        if (CurrentLoader.Name is not { } name)
        {
            return result;
        }

        var sql = command.CommandText;
        if (!Statements.TryGetValue((name, sql), out var statement))
        {
            // Loader names are code, not input; a line break would still end the comment, so none is let through.
            // Checked here, once per pair: a kept text was checked when it was built.
            if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
            {
                return result;
            }

            statement = Build(name, sql, command);
            if (Statements.Count < MaxTagged)
            {
                Statements.TryAdd((name, sql), statement);
            }
        }

        // Positional only with the parameters it was built for, in that order: EF Core creates a compiled query's
        // parameters the same way each time. Anything else runs as EF Core wrote it (named), with the tag.
        if (statement.PositionalFor is { } names && SameNames(command.Parameters, names))
        {
            for (var i = 0; i < names.Length; i++)
            {
                command.Parameters[i].ParameterName = null;
            }

            command.CommandText = statement.Positional!;
        }
        else
        {
            command.CommandText = statement.Tagged;
        }

        return result;
    }

    private static Statement Build(string name, string sql, DbCommand command)
    {
        var tagged = $"-- {name}\n\n{sql}";
        if (command is NpgsqlCommand && command.Parameters.Count > 0 && Positional(sql, command.Parameters) is { } positional)
        {
            var names = new string[command.Parameters.Count];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = command.Parameters[i].ParameterName;
            }

            return new Statement(tagged, $"-- {name}\n\n{positional}", names);
        }

        return new Statement(tagged);
    }

    private static bool SameNames(DbParameterCollection parameters, string[] names)
    {
        if (parameters.Count != names.Length)
        {
            return false;
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (!string.Equals(parameters[i].ParameterName, names[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <paramref name="sql"/> with each <c>@name</c> of <paramref name="parameters"/> replaced by <c>$n</c>, its place
    /// in the collection; or null when the statement is not one that can safely run that way: a parameter that is not
    /// an input or never appears, a placeholder of PostgreSQL's own (<c>$</c>), or more than one statement (<c>;</c>).
    /// Quoted text, quoted identifiers and comments are copied as they are.
    /// </summary>
    internal static string? Positional(string sql, DbParameterCollection parameters)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (parameter.Direction != ParameterDirection.Input || parameter.ParameterName is not ['@', _, ..] named || !positions.TryAdd(named[1..], i + 1))
            {
                return null;
            }
        }

        var text = new StringBuilder(sql.Length);
        var used = new bool[parameters.Count + 1];
        var at = 0;
        while (at < sql.Length)
        {
            var c = sql[at];
            int end;
            switch (c)
            {
                case '\'' or '"':
                    end = sql.IndexOf(c, at + 1);
                    if (end < 0)
                    {
                        return null;
                    }

                    // A doubled quote inside is the quote itself: the next pass copies on from it.
                    end++;
                    break;
                case '-' when At(sql, at, "--"):
                    end = sql.IndexOf('\n', at);
                    end = end < 0 ? sql.Length : end;
                    break;
                case '/' when At(sql, at, "/*"):
                    end = sql.IndexOf("*/", at + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return null;
                    }

                    end += 2;
                    break;
                case '$' or ';':
                    return null;
                case '@' when at + 1 < sql.Length && IsNameChar(sql[at + 1]) && (at == 0 || !IsNameChar(sql[at - 1])):
                    end = at + 1;
                    while (end < sql.Length && IsNameChar(sql[end]))
                    {
                        end++;
                    }

                    if (positions.TryGetValue(sql[(at + 1)..end], out var position))
                    {
                        text.Append('$').Append(position);
                        used[position] = true;
                        at = end;
                        continue;
                    }

                    break;
                default:
                    end = at + 1;
                    break;
            }

            text.Append(sql, at, end - at);
            at = end;
        }

        return used.Skip(1).All(u => u) ? text.ToString() : null;
    }

    private static bool At(string text, int index, string token) =>
        string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private sealed class SameStrings : IEqualityComparer<(string Name, string Sql)>
    {
        public static readonly SameStrings Instance = new();

        public bool Equals((string Name, string Sql) x, (string Name, string Sql) y) =>
            ReferenceEquals(x.Name, y.Name) && ReferenceEquals(x.Sql, y.Sql);

        public int GetHashCode((string Name, string Sql) key) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(key.Name), RuntimeHelpers.GetHashCode(key.Sql));
    }
}
