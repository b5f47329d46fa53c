using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Serilog.Core;
using Serilog.Events;
using WebApp.Data;
using WebApp.Hosting;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

/// <summary>An instance whose database is away at start, and an instance told to stop.</summary>
public sealed class DatabaseAvailabilityTests
{
    [Fact]
    public async Task Start_PostgresNotThereYet_Live503PagesThenReadyByItselfWhenItAppears()
    {
        var database = await TestDatabases.CreateSeededAsync(DatabaseProvider.Postgres);
        // Nothing listens on the forwarder's port until Start: the database "appears" there later.
        await using var forwarder = new TcpForwarder(new NpgsqlConnectionStringBuilder(database.ConnectionString).Port);
        var viaForwarder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = forwarder.Port }.ConnectionString;
        var logs = new LogCapture();
        await using var factory = await TestSite.On(database with { ConnectionString = viaForwarder }).WithServices(s => s.AddSingleton<ILogEventSink>(logs)).StartAsync();
        var client = factory.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        using (var live = await client.GetAsync("/healthz", ct))
        using (var ready = await client.GetAsync("/readyz", ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        var page = await HtmlPage.GetAsync(client, "/", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Status);
        Assert.Equal("Temporarily unavailable", page.Text("#error-heading"));
        Assert.DoesNotContain(" at WebApp.", page.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && e.RenderMessage().Contains("retrying in", StringComparison.Ordinal));

        forwarder.Start();

        await Eventually.HoldsAsync(TimeSpan.FromSeconds(20), async () =>
        {
            using var ready = await client.GetAsync("/readyz", ct);
            return ready.StatusCode == HttpStatusCode.OK;
        }, () => "never became ready after the database appeared");
        Assert.Equal(HttpStatusCode.OK, (await HtmlPage.GetAsync(client, "/", ct)).Status);
    }

    [Fact]
    public async Task Stop_SlowPageInFlight_NotReadyAtOnceAndThePageStillCompletes()
    {
        var faults = new FaultInjector().Delay("profile.posts", TimeSpan.FromSeconds(4));
        var factory = await TestSite.On(DatabaseProvider.Sqlite).With("Loading:RequestTimeout", "00:00:30").WithInterceptor(faults).OnKestrel().StartAsync();
        // A client of its own: disposing the factory (its StopAsync) first disposes the clients it made.
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var health = factory.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(health)).Status);

        var request = client.GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => faults.Executed.Contains("profile.posts"), () => "profile.posts never started");
        // The host's StopAsync: Kestrel stops taking connections and waits for the request in flight.
        var stopping = factory.DisposeAsync().AsTask();

        await Eventually.HoldsAsync(TimeSpan.FromSeconds(1), async () => (await ReadinessAsync(health)).Status == HealthStatus.Unhealthy,
            () => "still ready while stopping");
        Assert.False(request.IsCompleted, $"the slow page ended before readiness was checked ({request.Status}): the test proves nothing");
        using var response = await request;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await stopping;
    }

    private static Task<HealthReport> ReadinessAsync(HealthCheckService health) =>
        health.CheckHealthAsync(check => check.Tags.Contains(Readiness.Tag), TestContext.Current.CancellationToken);
}
