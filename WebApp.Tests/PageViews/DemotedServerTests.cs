using System.Net;
using Npgsql;
using Serilog.Events;
using Upfront.Testing;
using WebApp.Data;
using WebApp.PageViews;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>
/// After a failover the old primary comes back as a standby, and a pooled connection to it answers every write with
/// SQLSTATE 25006 (read-only transaction). The writer treats that as a dead connection: it drops the pool, so the retry
/// reaches the primary. Here the server itself turns read-only (its database's default) and back.
/// </summary>
public sealed class DemotedServerTests
{
    [Fact]
    public void IsDemotedServer_ReadOnlyTransactionAnywhereInTheChain()
    {
        var readOnly = new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", PostgresErrorCodes.ReadOnlySqlTransaction);

        Assert.True(PageViewWriter.IsDemotedServer(readOnly));
        Assert.True(PageViewWriter.IsDemotedServer(new InvalidOperationException("wrapped", readOnly)));
        Assert.False(PageViewWriter.IsDemotedServer(new PostgresException("violates", "ERROR", "ERROR", PostgresErrorCodes.ForeignKeyViolation)));
        Assert.False(PageViewWriter.IsDemotedServer(new TimeoutException()));
    }

    [Fact]
    public async Task Writes_ThePooledConnectionsServerTurnsReadOnly_TheWriterReconnectsAndStoresTheView()
    {
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Postgres).WithLogs(logs)
            .With("PageViews:MaxRetryDelay", "00:00:00.200").With("Serilog:MinimumLevel:Default", "Information").StartAsync();
        var database = new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString).Database!;
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(factory.Database.ConnectionString) { Pooling = false, ApplicationName = "DemotedServerTests" }.ConnectionString);
        await admin.OpenAsync(TestContext.Current.CancellationToken);
        var before = await ViewRows.ReadAsync(factory.Database);

        // The app's sessions end and every new one is read-only: the writer's next connection reaches a "standby".
        await ExecuteAsync(admin, $"ALTER DATABASE \"{database}\" SET default_transaction_read_only = on");
        await ExecuteAsync(admin, $"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{database}' AND application_name = '{DatabaseServiceCollectionExtensions.ApplicationName}'");
        using var response = await factory.CreateClient().GetAsync($"/u/{SeedFacts.User(ViewRows.Users[0]).Handle}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10),
            () => logs.AtLeast(LogEventLevel.Warning).Any(e => e.Exception is { } ex && PageViewWriter.IsDemotedServer(ex)),
            () => "the writer never met the read-only server");

        // The server is writable again, but a pooled connection keeps the read-only session it was opened with.
        await ExecuteAsync(admin, $"ALTER DATABASE \"{database}\" RESET default_transaction_read_only");
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(5),
            async () => Views(await ViewRows.ReadAsync(factory.Database)) == Views(before) + 1,
            () => "the view was not stored within 5 s of the server turning writable");
    }

    // The real clock runs here (the retries wait on it), so the view lands on today, whatever day that is.
    private static long Views(Dictionary<(int UserId, DateOnly Day), long> rows) => rows.Where(r => r.Key.UserId == ViewRows.Users[0]).Sum(r => r.Value);

    private static async Task ExecuteAsync(NpgsqlConnection admin, string sql)
    {
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
