using System.Diagnostics;
using Npgsql;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// <c>scripts/postgres.sh start</c> with an owner process (<c>WEBAPP_POSTGRES_OWNER</c>, which the test run sets for its
/// own server): the server stays while the owner runs and is removed once the owner has ended, even by a kill that
/// gave it no chance to clean up.
/// </summary>
public sealed class PostgresScriptTests
{
    /// <summary>The repository's clusters price a random read as data in memory (docs/database.md, "Server settings").</summary>
    [Fact]
    public async Task Start_NewCluster_SetsRandomPageCostForDataInMemory()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = server.RequireConnectionString();
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServer.EnvironmentVariable)))
        {
            Assert.Skip($"{PostgresServer.EnvironmentVariable} names a server of your own, with its own settings.");
        }

        var ct = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var show = new NpgsqlCommand("SHOW random_page_cost", connection);
        Assert.Equal("1.1", (string?)await show.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task Start_WithOwner_ServerRemovedOnceTheOwnerIsKilled()
    {
        (await PostgresServer.GetAsync()).RequireConnectionString();
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServer.EnvironmentVariable)))
        {
            Assert.Skip($"{PostgresServer.EnvironmentVariable} names a server of your own: the script starts none.");
        }

        var ct = TestContext.Current.CancellationToken;
        using var owner = Process.Start(new ProcessStartInfo("sleep", "600"))!;
        var folder = Path.Combine(Path.GetTempPath(), "webapp-pg-owner-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var (exit, output, error) = await PostgresServer.RunScriptAsync(owner.Id, "start", folder);
            Assert.True(exit == 0, error);
            var connectionString = new NpgsqlConnectionStringBuilder(output.Trim()) { Pooling = false }.ConnectionString;

            // The watcher looks once a second: a server still there after two has outlived a few looks.
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(ct);
            }

            owner.Kill();
            await owner.WaitForExitAsync(ct);

            await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => !Directory.Exists(folder), () => $"{folder} is still there after its owner was killed");
            await using var gone = new NpgsqlConnection(connectionString);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => gone.OpenAsync(ct));
        }
        finally
        {
            await PostgresServer.RunScriptAsync(null, "remove", folder);
        }
    }
}
