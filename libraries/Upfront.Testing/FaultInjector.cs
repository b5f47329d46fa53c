using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Upfront.Loading;

namespace Upfront.Testing;

/// <summary>
/// Fault injection by loader name: an EF Core interceptor a test adds to the app's context
/// (<c>services.ConfigureDbContext&lt;TContext&gt;(o =&gt; o.AddInterceptors(faults))</c>). It finds a statement by the
/// loader that runs it (<see cref="CurrentLoader"/>; optionally by its parameters) and delays it (honouring the
/// statement's token), holds it whatever the token says, makes the database itself work (PostgreSQL's
/// <c>pg_sleep</c>, SQLite's recursive count) or fails it. The app needs no hook for it.
/// </summary>
public sealed class FaultInjector : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<string, List<Rule>> _rules = new(StringComparer.Ordinal);
    private int _busy;
    private int _mostBusy;

    /// <summary>Loaders whose statement was cancelled while the injector held it.</summary>
    public ConcurrentBag<string> Cancelled { get; } = [];

    /// <summary>Loaders whose statement reached the injector.</summary>
    public ConcurrentBag<string> Executed { get; } = [];

    /// <summary>SQL of statements run outside every loader.</summary>
    public ConcurrentBag<string> OutsideLoaders { get; } = [];

    /// <summary>False: every rule is skipped (a host shared by several tests is warmed up, or between tests).</summary>
    public bool Active { get; set; } = true;

    /// <summary>Delays the loader's statement by <paramref name="delay"/>, honouring its token.</summary>
    public FaultInjector Delay(string loader, TimeSpan delay, Func<DbCommand, bool>? when = null) =>
        Add(loader, when, (_, ct) => Task.Delay(delay, ct));

    /// <summary>Holds the loader's statement for <paramref name="duration"/> whatever its token says: a loader that hangs.</summary>
    public FaultInjector Hang(string loader, TimeSpan duration, Func<DbCommand, bool>? when = null) =>
        Add(loader, when, (_, _) => Task.Delay(duration, CancellationToken.None));

    /// <summary>Forgets every rule and everything recorded, for the next test on a shared host.</summary>
    public void Reset()
    {
        _rules.Clear();
        Cancelled.Clear();
        Executed.Clear();
        OutsideLoaders.Clear();
    }

    /// <summary>PostgreSQL: runs <c>SELECT pg_sleep(…)</c> on the statement's own connection first, a real server-side wait.</summary>
    public FaultInjector SleepInDatabase(string loader, TimeSpan duration, Func<DbCommand, bool>? when = null) =>
        Add(loader, when, async (command, ct) =>
        {
            await using var sleep = command.Connection!.CreateCommand();
            sleep.CommandText = $"SELECT pg_sleep({duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
            sleep.Transaction = command.Transaction;
            await sleep.ExecuteNonQueryAsync(ct);
        });

    /// <summary>
    /// SQLite: runs a recursive CTE counting to <paramref name="rows"/> on the statement's own connection first: a real
    /// statement that keeps SQLite busy (Microsoft.Data.Sqlite checks the token only before it starts).
    /// <see cref="MostBusyAtOnce"/> records how many ran at the same time.
    /// </summary>
    public FaultInjector BusyInSqlite(string loader, long rows, Func<DbCommand, bool>? when = null) =>
        Add(loader, when, async (command, ct) =>
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

    /// <summary>Fails the loader's statement, once the statements of the loaders <paramref name="after"/> have reached the injector.</summary>
    public FaultInjector Throw(string loader, Exception exception, params string[] after) =>
        ThrowWhen(loader, exception, null, after);

    /// <summary>As <see cref="Throw"/>, for the statements <paramref name="when"/> picks.</summary>
    public FaultInjector ThrowWhen(string loader, Exception exception, Func<DbCommand, bool>? when, params string[] after) =>
        Add(loader, when, async (_, ct) =>
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

    /// <inheritdoc/>
    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, cancellationToken);
        return result;
    }

    /// <inheritdoc/>
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

    private FaultInjector Add(string loader, Func<DbCommand, bool>? when, Func<DbCommand, CancellationToken, Task> fault)
    {
        _rules.GetOrAdd(loader, _ => []).Add(new Rule(when ?? (_ => true), fault));
        return this;
    }

    private async Task ApplyAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var loader = CurrentLoader.Name;
        if (loader is null)
        {
            OutsideLoaders.Add(command.CommandText);
            return;
        }

        Executed.Add(loader);
        if (!Active || !_rules.TryGetValue(loader, out var rules) || rules.FirstOrDefault(r => r.When(command)) is not { } rule)
        {
            return;
        }

        try
        {
            await rule.Fault(command, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancelled.Add(loader);
            throw;
        }
        catch (DbException) when (cancellationToken.IsCancellationRequested)
        {
            // Npgsql reports a server-side cancellation as a PostgresException (57014), wrapped by EF later.
            Cancelled.Add(loader);
            throw;
        }
    }

    private sealed record Rule(Func<DbCommand, bool> When, Func<DbCommand, CancellationToken, Task> Fault);
}
