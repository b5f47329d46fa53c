using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace Upfront.EntityFrameworkCore.Sqlite;

/// <summary>
/// Makes SQLite honour the page deadline. Microsoft.Data.Sqlite runs its "async" calls synchronously and does not
/// stop a running statement when the token fires, so each SQLite connection EF Core opens for a query:
/// <list type="bullet">
/// <item>first takes one of <see cref="Slots"/> slots, waiting under the query's token: a statement blocks a
/// thread-pool thread while it runs, and without a bound slow statements would take every thread (and the timers
/// that fire the deadline run on those threads);</item>
/// <item>then opens the connection itself, so that nothing can cancel the open once the slot is taken: EF Core's own
/// open checks the token again, and an open cancelled there raises no event that reaches the gate (EF Core 10's
/// interceptor aggregate does not pass <c>ConnectionCanceled</c> on), so its slot was never given back;</item>
/// <item>while open, is stopped when the token that opened it fires: at once by <c>sqlite3_interrupt</c> (SQLite's
/// way to stop a statement from another thread) if a statement is running, and by a progress handler that checks
/// the token every <see cref="CheckEvery"/> instructions for a statement that starts after it fired (an interrupt
/// with no statement running is a no-op, so without the handler a statement begun a moment after the deadline ran to
/// its end, holding its slot). The statement fails with <c>SQLITE_INTERRUPT</c>, which
/// <see cref="SqliteCancellationDetector"/> tells EF Core is a cancellation.</item>
/// </list>
/// Both are removed before the connection closes, so neither reaches a pooled connection that another query uses
/// next. Add it to a context type with <see cref="SqliteDeadlineExtensions.AddSqliteDeadlines{TContext}"/>.
/// </summary>
public sealed class SqliteStatementGate : DbConnectionInterceptor, IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<DbConnection, CancellationTokenRegistration> _open = new();

    /// <summary>VM instructions between two checks of the token: a few microseconds of work.</summary>
    public const int CheckEvery = 1000;

    private static readonly delegate_progress StopWhenCancelled = state => ((CancellationToken)state).IsCancellationRequested ? 1 : 0;

    /// <summary>A gate of <see cref="DefaultSlots"/> slots.</summary>
    public SqliteStatementGate()
        : this(DefaultSlots)
    {
    }

    /// <summary>A gate of <paramref name="slots"/> slots.</summary>
    public SqliteStatementGate(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        Slots = slots;
        _slots = new SemaphoreSlim(slots, slots);
        ReserveThreads(slots);
    }

    /// <summary>
    /// Statements holding a slot block their threads; without this the pool starts with one thread a core, and the
    /// timers that fire the deadline (and every other request) would wait for the pool to add threads, about two
    /// a second. So the pool keeps a thread a core on top of the blocked ones from the start.
    /// </summary>
    private static void ReserveThreads(int blocked)
    {
#pragma warning disable RS0030 // Not detached work: only the pool's minimum size, set once for the process.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        var wanted = Environment.ProcessorCount + blocked;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completionPorts);
        }
#pragma warning restore RS0030
    }

    /// <summary>
    /// Twice the machine's cores, and at least four: more statements at once would only share the cores, and fewer
    /// would let one page's slow statements hold every slot while a sibling waits to fail fast (a profile runs five
    /// loaders). The threads they block are added to the pool's minimum (<see cref="ReserveThreads"/>).
    /// </summary>
    public static int DefaultSlots => Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>How many SQLite connections may run statements at once.</summary>
    public int Slots { get; }

    /// <summary>Connections holding a slot now (the leak checks expect 0 once requests are done).</summary>
    public int InUse => _open.Count;

    /// <inheritdoc/>
    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection,
        ConnectionEventData eventData,
        InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
        {
            // The slot came as the token fired: an interrupt now would find no statement to stop, and the one this
            // connection was opened for could then run to its end holding the slot.
            _slots.Release();
            cancellationToken.ThrowIfCancellationRequested();
        }

        var sqlite = (SqliteConnection)connection;
        try
        {
            // Not under the query's token: once the slot is taken, the open goes through (it does no I/O that waits).
            await sqlite.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        raw.sqlite3_progress_handler(sqlite.Handle, CheckEvery, StopWhenCancelled, cancellationToken);
        _open[connection] = cancellationToken.Register(Interrupt, connection);
        return InterceptionResult.Suppress();
    }

    /// <inheritdoc/>
    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return result;
    }

    /// <inheritdoc/>
    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return ValueTask.FromResult(result);
    }

    // The events below end a lease that closing did not (an interceptor after this one failed the open, a connection
    // disposed while open).
    /// <inheritdoc/>
    public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => Leave(connection);

    /// <inheritdoc/>
    public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(connection);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override InterceptionResult ConnectionDisposing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return result;
    }

    /// <inheritdoc/>
    public override ValueTask<InterceptionResult> ConnectionDisposingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return ValueTask.FromResult(result);
    }

    /// <summary>Releases the slots' semaphore.</summary>
    public void Dispose() => _slots.Dispose();

    private static void Interrupt(object? state)
    {
        // Null until the connection has opened; a statement that starts after the token fired checks the token itself.
        if (((SqliteConnection)state!).Handle is { } handle)
        {
            raw.sqlite3_interrupt(handle);
        }
    }

    private void Leave(DbConnection connection)
    {
        if (_open.TryRemove(connection, out var interrupt))
        {
            // Waits for an interrupt already running, so none can land after the connection goes back to the pool.
            interrupt.Dispose();
            if (((SqliteConnection)connection).Handle is { } handle)
            {
                raw.sqlite3_progress_handler(handle, 0, null, null);
            }

            _slots.Release();
        }
    }
}
