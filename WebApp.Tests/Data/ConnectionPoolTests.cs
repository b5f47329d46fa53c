using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Data;

/// <summary>
/// A loader that finds every pooled connection busy waits for one under the page deadline: 504 at the deadline,
/// never an error before it, and the wait counts in that loader's time.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class ConnectionPoolTests
{
    [Fact]
    public async Task Home_PoolOfOneHeldBusy_Returns504AtTheDeadlineNot500Before()
    {
        var deadline = TimeSpan.FromSeconds(2);
        await using var factory = await StartWithPoolOfOneAsync(deadline);
        await using var holder = await HoldTheOnlyConnectionAsync(factory);

        // Tried once more if out of bounds, as every timed request in the suite (PageFaultTests.TimedGetAsync).
        var (page, elapsed) = await WebApp.Tests.Pages.PageFaultTests.TimedGetAsync(factory.CreateClient(), "/", retryIf: e => e > deadline + TimeSpan.FromMilliseconds(500));

        Assert.Equal(HttpStatusCode.GatewayTimeout, page.Status);
        Assert.Equal("This page took too long", page.Text("#error-heading"));
        WebApp.Tests.Pages.PageFaultTests.AssertWithinDeadline(elapsed, deadline, "a pool of one held busy");
    }

    [Fact]
    public async Task Home_PoolOfOneReleasedBeforeTheDeadline_Returns200WithTheWaitInTheLoaderTime()
    {
        var held = TimeSpan.FromMilliseconds(600);
        await using var factory = await StartWithPoolOfOneAsync(TimeSpan.FromSeconds(5));
        var holder = await HoldTheOnlyConnectionAsync(factory);
        var registry = factory.Services.GetRequiredService<InFlightRegistry>();

        var request = HtmlPage.GetAsync(factory.CreateClient(), "/", TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(5), () => registry.Count > 0, () => "no loader started");
        await Task.Delay(held, TestContext.Current.CancellationToken);
        await holder.DisposeAsync();
        var page = await request;

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var longest = ServerTimingEntries.Durations(page.Headers.GetValues("Server-Timing")).Where(d => d.Name != "load").Max(d => d.Ms);
        Assert.True(longest >= held.TotalMilliseconds, $"the longest loader took {longest} ms; the pool was held {held.TotalMilliseconds} ms");
    }

    private static async Task<WebAppFactory> StartWithPoolOfOneAsync(TimeSpan deadline)
    {
        var database = await TestDatabases.CreateSeededAsync(DatabaseProvider.Postgres);
        var factory = (await TestSite.On(database with { ConnectionString = database.ConnectionString + ";Maximum Pool Size=1" }).With("Loading:RequestTimeout", deadline.ToString()).StartAsync());
        factory.StartServer();
        return factory;
    }

    /// <summary>Takes the pool's one connection: Npgsql keys its pools by connection string, so the app's own string is the app's own pool.</summary>
    private static async Task<NpgsqlConnection> HoldTheOnlyConnectionAsync(WebAppFactory factory)
    {
        var connection = new NpgsqlConnection(factory.Services.GetRequiredService<PostgresHosts>().Reads);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }
}
