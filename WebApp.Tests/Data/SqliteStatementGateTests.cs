using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Upfront.EntityFrameworkCore.Sqlite;
using WebApp.Data;

namespace WebApp.Tests.Data;

/// <summary>
/// The gate on its own, over an in-memory SQLite database: when its token fires, a connection's statement stops,
/// whether it was running then or starts after, and every slot comes back.
/// </summary>
public sealed class SqliteStatementGateTests : IDisposable
{
    // Seconds of work for SQLite when nothing stops it.
    private const string Busy = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000000) SELECT count(*) FROM n";

    private readonly SqliteStatementGate _gate = new(slots: 2);

    // A file, so that a closed connection's handle goes back to Microsoft.Data.Sqlite's pool and is reused.
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"gate-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        _gate.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    [Fact]
    public async Task Statement_StartedAfterTheTokenFired_IsInterrupted()
    {
        await using var db = Context();
        using var cts = new CancellationTokenSource();
        await db.Database.OpenConnectionAsync(cts.Token);
        // The token fires while no statement runs: sqlite3_interrupt alone would do nothing, and the statement below
        // would run to its end holding the slot.
        await cts.CancelAsync();

        var failure = await Assert.ThrowsAsync<SqliteException>(() => ScalarAsync(db.Database.GetDbConnection()));

        Assert.True(new SqliteCancellationDetector().IsCancellation(failure, cts.Token), failure.Message);
        Assert.Equal(1, _gate.InUse);
        await db.Database.CloseConnectionAsync();
        Assert.Equal(0, _gate.InUse);
    }

    [Fact]
    public async Task Statement_RunningWhenTheTokenFires_IsInterrupted()
    {
        await using var db = Context();
        using var cts = new CancellationTokenSource();
        await db.Database.OpenConnectionAsync(cts.Token);
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        var failure = await Assert.ThrowsAsync<SqliteException>(() => Task.Run(() => ScalarAsync(db.Database.GetDbConnection())));

        Assert.True(new SqliteCancellationDetector().IsCancellation(failure, cts.Token), failure.Message);
        await db.Database.CloseConnectionAsync();
        Assert.Equal(0, _gate.InUse);
    }

    [Fact]
    public async Task Connection_ReopenedAfterItsTokenFired_IsNotStoppedByTheOldToken()
    {
        await using var db = Context();
        using (var first = new CancellationTokenSource())
        {
            await db.Database.OpenConnectionAsync(first.Token);
            await first.CancelAsync();
            await db.Database.CloseConnectionAsync();
        }

        // The same pooled handle, opened again without the gate (a synchronous open, as the seed and the migrations
        // do): the cancelled token's progress handler and interrupt must be gone with the lease.
        db.Database.OpenConnection();
        var count = await ScalarAsync(db.Database.GetDbConnection(), rows: 100_000);

        Assert.Equal(100_000L, count);
        db.Database.CloseConnection();
        Assert.Equal(0, _gate.InUse);
    }

    [Fact]
    public async Task Open_WhenEverySlotIsHeld_WaitsAndGivesUpWithItsToken()
    {
        await using var a = Context();
        await using var b = Context();
        await using var c = Context();
        await a.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await b.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => c.Database.OpenConnectionAsync(cts.Token));

        Assert.Equal(2, _gate.InUse);
        await a.Database.CloseConnectionAsync();
        await c.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, _gate.InUse);
        await b.Database.CloseConnectionAsync();
        await c.Database.CloseConnectionAsync();
        Assert.Equal(0, _gate.InUse);
    }

    [Fact]
    public async Task Open_TokenFiresJustAfterTheSlotIsTaken_OpensAndGivesTheSlotBackOnClose()
    {
        // The deadline fires after the gate took a slot for the connection (a CI run under load hit this window).
        // EF Core's own open would then be cancelled, with no event that gives the slot back; the gate has opened
        // the connection already, and the fired token stops its statement instead.
        using var cts = new CancellationTokenSource();
        await using var db = Context(new CancelWhileOpening(cts));

        await db.Database.OpenConnectionAsync(cts.Token);
        var failure = await Assert.ThrowsAsync<SqliteException>(() => ScalarAsync(db.Database.GetDbConnection()));

        Assert.True(new SqliteCancellationDetector().IsCancellation(failure, cts.Token), failure.Message);
        await db.Database.CloseConnectionAsync();
        Assert.Equal(0, _gate.InUse);
        // Both slots are free: two connections open without waiting.
        await using var a = Context();
        await using var b = Context();
        using var noWait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await a.Database.OpenConnectionAsync(noWait.Token);
        await b.Database.OpenConnectionAsync(noWait.Token);
        Assert.Equal(2, _gate.InUse);
    }

    private SqliteAppDbContext Context(params IInterceptor[] after) => new(new DbContextOptionsBuilder<SqliteAppDbContext>()
        .UseSqlite($"Data Source={_file}")
        .AddInterceptors([_gate, .. after])
        .Options);

    /// <summary>Fires the token while the connection opens, after the gate (registered first) has taken its slot.</summary>
    private sealed class CancelWhileOpening(CancellationTokenSource cts) : DbConnectionInterceptor
    {
        public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            await cts.CancelAsync();
            return result;
        }
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, long rows = 0)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = rows == 0 ? Busy : Busy.Replace("100000000", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
