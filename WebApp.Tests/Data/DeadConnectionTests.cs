using System.Net;
using Npgsql;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// A pooled connection whose server session died (a restarted primary or standby, an admin's
/// pg_terminate_backend) fails its next query with a transient error. The loader runs its query once more on a
/// fresh connection, so the visitor gets the page, not an error.
/// </summary>
public sealed class DeadConnectionTests
{
    [Fact]
    public async Task Profile_PooledConnectionKilledOnTheServer_IsRetriedAndThePageAnswers200()
    {
        var database = await TestDatabases.CreateSeededAsync(DatabaseProvider.Postgres);
        // A pool of one: every loader of the next page is handed the same (dead) connection in turn.
        await using var factory = (await TestSite.On(database with { ConnectionString = database.ConnectionString + ";Maximum Pool Size=1" }).StartAsync());
        var client = factory.CreateClient();
        var url = $"/u/{SeedFacts.Prolific.Handle}";
        Assert.Equal(HttpStatusCode.OK, (await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken)).Status);

        var killed = await KillAppSessionsAsync(database.ConnectionString);

        Assert.True(killed >= 1, "no session of the app was found to kill");
        var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(SeedFacts.Prolific.DisplayName, page.Text("#profile-name"));
    }

    // What Npgsql throws when a pooled connection's server session is gone: transient, an I/O error inside.
    private static NpgsqlException ConnectionLost() => new("Exception while reading from stream", new IOException("Connection reset by peer"));

    [Fact]
    public async Task Loader_TransientFailureOnce_IsRetriedOnAFreshContextAndThePageAnswers200()
    {
        // Deterministic, unlike a killed session (Npgsql may drop a dead idle connection before handing it out): the
        // first statement of profile.stats fails as a lost connection would, the second runs.
        var failures = 0;
        var faults = new FaultInjector().ThrowWhen("profile.stats", ConnectionLost(), _ => Interlocked.Increment(ref failures) == 1);
        await using var factory = await TestSite.On(DatabaseProvider.Postgres).WithFaults(faults).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(SeedFacts.Prolific.DisplayName, page.Text("#profile-name"));
        Assert.Equal(2, faults.Executed.Count(tag => tag == "profile.stats"));
    }

    [Fact]
    public async Task Loader_TransientFailureTwice_IsThePagesError_AfterOneRetryOnly()
    {
        var faults = new FaultInjector().Throw("profile.stats", ConnectionLost());
        await using var factory = await TestSite.On(DatabaseProvider.Postgres).WithFaults(faults).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        Assert.Equal(2, faults.Executed.Count(tag => tag == "profile.stats"));
    }

    /// <summary>Ends every session of the app's database on the server, as a restart would, and waits until they are gone.</summary>
    private static async Task<int> KillAppSessionsAsync(string appConnectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(appConnectionString) { ApplicationName = "DeadConnectionTests", Pooling = false };
        await using var admin = new NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync(TestContext.Current.CancellationToken);
        await using var kill = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))::int FROM pg_stat_activity WHERE datname = current_database() AND application_name = @app", admin);
        kill.Parameters.AddWithValue("app", DatabaseServiceCollectionExtensions.ApplicationName);
        return (int)(await kill.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
