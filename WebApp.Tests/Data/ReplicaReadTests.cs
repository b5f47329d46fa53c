using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using WebApp.Data;
using WebApp.Hosting;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// A connection string naming a standby that is down: pages read from the primary with no visitor-visible error,
/// readiness reports the primary and the standby apart (and stays 200), and page views are written to the primary.
/// </summary>
public sealed class ReplicaReadTests
{
    [Fact]
    public async Task Pages_StandbyHostDown_ServedFromThePrimaryAndViewsWrittenThere()
    {
        var database = await TestDatabases.CreateSeededAsync(DatabaseProvider.Postgres);
        await using var closed = new TcpForwarder(0); // never started: its port refuses connections
        var primary = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var twoHosts = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = $"127.0.0.1:{primary.Port},127.0.0.1:{closed.Port}" };
        await using var factory = await TestSite.On(database with { ConnectionString = twoHosts.ConnectionString }).With("PageViews:Linger", "00:00:00").StartAsync();
        var client = factory.CreateClient();
        var ct = TestContext.Current.CancellationToken;
        var user = SeedFacts.Prolific;
        var before = await ViewsAsync(database, user.Id);

        foreach (var path in new[] { "/", "/users", $"/u/{user.Handle}", $"/u/{user.Handle}", $"/u/{user.Handle}/posts/{SeedFacts.PostsOf(user.Id)[0].Id}" })
        {
            var page = await HtmlPage.GetAsync(client, path, ct);
            Assert.True(page.Status == HttpStatusCode.OK, $"{path}: {(int)page.Status}");
        }

        using var ready = await client.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct));
        var entries = report.RootElement.GetProperty("entries");
        Assert.Equal("Healthy", entries.GetProperty(Readiness.Primary).GetProperty("status").GetString());
        Assert.Equal("Degraded", entries.GetProperty(Readiness.Standby).GetProperty("status").GetString());

        // Two profile views, read back from the primary itself (its own single-host connection string).
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), async () => await ViewsAsync(database, user.Id) == before + 2,
            () => "the two profile views never reached the primary");
    }

    private static async Task<long> ViewsAsync(TestDatabase database, int userId)
    {
        await using var db = database.CreateContext();
        return await db.UserDailyViews.Where(v => v.UserId == userId).SumAsync(v => v.Views, TestContext.Current.CancellationToken);
    }
}
