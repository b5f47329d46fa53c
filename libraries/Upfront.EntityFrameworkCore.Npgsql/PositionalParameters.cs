using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Text;
using Npgsql;

using Upfront.EntityFrameworkCore;

namespace Upfront.EntityFrameworkCore.Npgsql;

/// <summary>
/// A speed trick, nothing more: a loader's statement reaches Npgsql with PostgreSQL's own placeholders (<c>$1</c>) in
/// place of EF Core's named ones (<c>@handle</c>), and positional parameters. With named parameters Npgsql parses and
/// rewrites every statement into a new string each time it runs; EF Core's Npgsql provider does not write positional
/// parameters itself (npgsql/efcore.pg#1923). PostgreSQL receives the same text either way. The rewrite is built once
/// per statement and kept; what it saves shows in the allocation per request that <c>scripts/load.sh</c> reports. Add it with
/// <see cref="NpgsqlLoaderOptionsExtensions.UsePositionalParameters"/>, after <c>UseLoaderSqlTags</c>.
/// </summary>
public sealed class PositionalParameters : LoaderStatementInterceptor
{
    /// <summary>The one instance: it keeps no per-context state.</summary>
    public static readonly PositionalParameters Instance = new();

    // Keyed by the SQL string's reference (EF Core gives a compiled query's command the same string each time), so a
    // lookup does not hash the text; bounded, so that SQL built anew on every call cannot grow it without end.
    private const int MaxKept = 1024;
    private static readonly ConcurrentDictionary<string, Statement> Statements = new(ReferenceEqualityComparer.Instance);

    private PositionalParameters()
    {
    }

    /// <summary>The positional text, with the parameter names (in order) it was built for; null when it cannot be.</summary>
    private sealed record Statement(string? Positional, string[] Names);

    /// <inheritdoc/>
    protected override void Rewrite(DbCommand command, string loader)
    {
        // Loader statements only (their text is the same string on every run); anything else runs as EF Core wrote it.
        if (command is not NpgsqlCommand || command.Parameters.Count == 0)
        {
            return;
        }

        var sql = command.CommandText;
        if (!Statements.TryGetValue(sql, out var statement))
        {
            var names = new string[command.Parameters.Count];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = command.Parameters[i].ParameterName;
            }

            statement = new Statement(Positional(sql, command.Parameters), names);
            if (Statements.Count < MaxKept)
            {
                Statements.TryAdd(sql, statement);
            }
        }

        // Positional only with the parameters it was built for, in that order: EF Core creates a compiled query's
        // parameters the same way each time. Anything else runs named.
        if (statement.Positional is { } positional && SameNames(command.Parameters, statement.Names))
        {
            for (var i = 0; i < statement.Names.Length; i++)
            {
                command.Parameters[i].ParameterName = null;
            }

            command.CommandText = positional;
        }
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
    public static string? Positional(string sql, DbParameterCollection parameters)
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
}
