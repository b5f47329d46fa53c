using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A test-only EF Core interceptor, registered in the test host's services: finds a query by the tag
/// its loader gave it (and optionally by its parameters), and delays it (honouring the query's token),
/// makes the database itself sleep (<c>pg_sleep</c>, cancelled server-side by Npgsql), or fails it.
/// The app has no hook for it.
/// </summary>
public sealed class FaultInjector : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<string, List<Rule>> _rules = new(StringComparer.Ordinal);
    private int _busy;
    private int _mostBusy;

    /// <summary>Tags whose query was cancelled while the injector held it.</summary>
    public ConcurrentBag<string> Cancelled { get; } = [];

    /// <summary>Tags whose query reached the database (or the injector).</summary>
    public ConcurrentBag<string> Executed { get; } = [];

    /// <summary>SQL of commands that carried no tag.</summary>
    public ConcurrentBag<string> Untagged { get; } = [];

    /// <summary>False: every rule is skipped (a host shared by several tests is warmed up, or between tests).</summary>
    public bool Active { get; set; } = true;

    public FaultInjector Delay(string tag, TimeSpan delay, Func<DbCommand, bool>? when = null) =>
        Add(tag, when, (_, ct) => Task.Delay(delay, ct));

    /// <summary>Holds the tagged query for <paramref name="duration"/> whatever its token says: a loader that hangs.</summary>
    public FaultInjector Hang(string tag, TimeSpan duration, Func<DbCommand, bool>? when = null) =>
        Add(tag, when, (_, _) => Task.Delay(duration, CancellationToken.None));

    /// <summary>Forgets every rule and everything recorded, for the next test on a shared host.</summary>
    public void Reset()
    {
        _rules.Clear();
        Cancelled.Clear();
        Executed.Clear();
        Untagged.Clear();
    }

    /// <summary>Runs <c>SELECT pg_sleep(…)</c> on the query's own connection first: a real server-side wait.</summary>
    public FaultInjector SleepInDatabase(string tag, TimeSpan duration, Func<DbCommand, bool>? when = null) =>
        Add(tag, when, async (command, ct) =>
        {
            await using var sleep = command.Connection!.CreateCommand();
            sleep.CommandText = $"SELECT pg_sleep({duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
            sleep.Transaction = command.Transaction;
            await sleep.ExecuteNonQueryAsync(ct);
        });

    /// <summary>
    /// Runs a recursive CTE counting to <paramref name="rows"/> on the query's own SQLite connection first: a real
    /// statement that keeps SQLite busy (Microsoft.Data.Sqlite checks the token only before it starts).
    /// <see cref="MostBusyAtOnce"/> records how many ran at the same time.
    /// </summary>
    public FaultInjector BusyInSqlite(string tag, long rows, Func<DbCommand, bool>? when = null) =>
        Add(tag, when, async (command, ct) =>
        {
            var now = Interlocked.Increment(ref _busy);
            InterlockedMax(ref _mostBusy, now);
            try
            {
                await using var busy = command.Connection!.CreateCommand();
                busy.CommandText = $"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) SELECT count(*) FROM n";
                busy.Transaction = command.Transaction;
                await busy.ExecuteScalarAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _busy);
            }
        });

    /// <summary>The most <see cref="BusyInSqlite"/> statements that ran at once.</summary>
    public int MostBusyAtOnce => Volatile.Read(ref _mostBusy);

    /// <summary>Fails the tagged query, once the queries tagged <paramref name="after"/> have reached the database.</summary>
    public FaultInjector Throw(string tag, Exception exception, params string[] after) =>
        ThrowWhen(tag, exception, null, after);

    public FaultInjector ThrowWhen(string tag, Exception exception, Func<DbCommand, bool>? when, params string[] after) =>
        Add(tag, when, async (_, ct) =>
        {
            while (!after.All(Executed.Contains))
            {
                await Task.Delay(5, ct);
            }

            throw exception;
        });

    /// <summary>True when the command has a parameter with this value (EF Core parameterizes handles and ids).</summary>
    public static Func<DbCommand, bool> HasParameter(object value) =>
        command => command.Parameters.Cast<DbParameter>().Any(p => Equals(p.Value, value));

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, cancellationToken);
        return result;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var now && now != seen)
        {
            seen = now;
        }
    }

    private FaultInjector Add(string tag, Func<DbCommand, bool>? when, Func<DbCommand, CancellationToken, Task> fault)
    {
        _rules.GetOrAdd(tag, _ => []).Add(new Rule(when ?? (_ => true), fault));
        return this;
    }

    private async Task ApplyAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var tag = TagOf(command.CommandText);
        if (tag is null)
        {
            Untagged.Add(command.CommandText);
            return;
        }

        Executed.Add(tag);
        if (!Active || !_rules.TryGetValue(tag, out var rules) || rules.FirstOrDefault(r => r.When(command)) is not { } rule)
        {
            return;
        }

        try
        {
            await rule.Fault(command, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancelled.Add(tag);
            throw;
        }
        catch (DbException) when (cancellationToken.IsCancellationRequested)
        {
            // Npgsql reports a server-side cancellation as a PostgresException (57014), wrapped by EF later.
            Cancelled.Add(tag);
            throw;
        }
    }

    /// <summary>EF Core writes TagWith text as a leading "-- tag" comment line.</summary>
    public static string? TagOf(string sql) =>
        sql.StartsWith("-- ", StringComparison.Ordinal) ? sql[3..sql.IndexOf('\n', StringComparison.Ordinal)].Trim() : null;

    private sealed record Rule(Func<DbCommand, bool> When, Func<DbCommand, CancellationToken, Task> Fault);
}
