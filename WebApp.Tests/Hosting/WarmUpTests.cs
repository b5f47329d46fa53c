using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Hosting;
using WebApp.PageViews;
using WebApp.Tests.Infrastructure;
using WebApp.WarmUp;

namespace WebApp.Tests.Hosting;

/// <summary>
/// The warm-up before readiness (WarmUp/InstanceWarmUp.cs), on a real socket: /readyz says "warm-up" until every page route
/// has been requested, and the instance's own profile requests count no view while a visitor's does.
/// </summary>
public sealed class WarmUpTests
{
    [Fact]
    public async Task Start_NotReadyUntilEveryPageRouteWasRequested_CountsNoViewAndLogsNoError()
    {
        // The home page's newest-posts query takes a second: the warm-up is still running when the test first asks.
        var faults = new FaultInjector();
        faults.Delay("home.latest", TimeSpan.FromSeconds(1));
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithFaults(faults).WithLogs(logs)
            .With("WarmUp:Requests", "2").With("WarmUp:Concurrency", "1").With("WarmUp:SettledBelow", "0").OnKestrel().StartAsync();
        var client = factory.CreateClient();
        var recorder = factory.Services.GetRequiredService<PageViewRecorder>();
        var registry = factory.Services.GetRequiredService<InFlightRegistry>();

        using (var warming = await client.GetAsync("/readyz", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
            Assert.Equal("Unhealthy", await EntryAsync(warming, "warm-up"));
        }

        await Eventually.HoldsAsync(TimeSpan.FromSeconds(30), async () =>
        {
            using var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
            return ready.StatusCode == HttpStatusCode.OK;
        }, () => "/readyz did not turn green");

        // Two rounds of the five routes: home, directory (twice: a listing and a search), profile, post.
        Assert.Equal(["directory", "directory", "home", "post", "profile"], registry.Recent.Take(5).Select(l => l.Page).Order());
        Assert.Equal(10, registry.Recent.Count(l => l.Page is "home" or "directory" or "profile" or "post"));
        Assert.Equal(0, recorder.Recorded);
        // Not ready yet is a warning (the 503), not an error: an operator sees no error on a normal start.
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && e.RenderMessage().Contains("/readyz", StringComparison.Ordinal));
        Assert.Empty(logs.AtLeast(LogEventLevel.Error).Select(e => e.RenderMessage()));

        faults.Reset();
        using var visit = await client.GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, visit.StatusCode);
        Assert.Equal(1, recorder.Recorded);
    }

    [Fact]
    public async Task Start_AfterItsRequests_GoesOnUntilTheJitCompilesFewerMethodsASecondThanTheSetting()
    {
        // The JIT (a stand-in) compiles 1,000 methods in each of the warm-up's first two seconds after its requests, then none.
        var jit = new BusyJit(busySeconds: 2);
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithLogs(logs)
            .WithServices(s => s.AddSingleton<JitCounter>(jit))
            .With("WarmUp:Requests", "1").With("WarmUp:Concurrency", "2").With("WarmUp:SettledBelow", "50").OnKestrel().StartAsync();
        var client = factory.CreateClient();

        await Eventually.HoldsAsync(TimeSpan.FromSeconds(30), async () =>
        {
            using var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
            return ready.StatusCode == HttpStatusCode.OK;
        }, () => "/readyz did not turn green");

        // Three seconds of it: two busy, then the one in which the JIT compiled nothing.
        Assert.Equal(6, jit.Calls);
        var settled = Assert.Single(logs.Events, e => e.RenderMessage().StartsWith("Warm-up: the JIT compiled", StringComparison.Ordinal));
        Assert.Equal("0", LogCapture.Property(settled, "Compiled"));
        var done = Assert.Single(logs.Events, e => e.RenderMessage().StartsWith("Warmed up", StringComparison.Ordinal));
        Assert.True(int.Parse(LogCapture.Property(done, "Requests")!, System.Globalization.CultureInfo.InvariantCulture) > 5,
            "the warm-up sent no request after its one round");
    }

    [Fact]
    public async Task Off_ReadyBeforeItsServiceRuns()
    {
        // WarmUp:Requests=0 (the tests' default): ready as soon as the database is, without waiting for the thread pool to
        // run the hosted service. A fresh instance, never started, stands for a host whose service has not run yet.
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).StartAsync();
        var warmUp = ActivatorUtilities.CreateInstance<InstanceWarmUp>(factory.Services);

        var health = await warmUp.CheckHealthAsync(new(), TestContext.Current.CancellationToken);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task Stop_WhileWarmingUp_LogsNoWarning()
    {
        // A JIT that never settles: the warm-up is still going when the host stops. The server stops first (the host
        // stops its services in reverse order, and the web server is added last): a warm-up that waited to be told to
        // stop would find its next request refused. A normal stop must not read as a failed warm-up.
        var jit = new BusyJit(busySeconds: 1_000_000);
        var logs = new LogCapture();
        var factory = await TestSite.On(DatabaseProvider.Sqlite).WithLogs(logs)
            .WithServices(s => s.AddSingleton<JitCounter>(jit))
            .With("WarmUp:Requests", "1").With("WarmUp:Concurrency", "2").With("WarmUp:SettledBelow", "50").OnKestrel().StartAsync();
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(30), () => jit.Calls >= 2,
            () => "the warm-up did not reach its seconds of waiting for the JIT");

        var stopping = DateTimeOffset.Now;
        await factory.DisposeAsync();

        var warnings = logs.AtLeast(LogEventLevel.Warning).Where(e => e.RenderMessage().StartsWith("Warm-up", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, string.Join("\n", warnings.Select(e => $"{e.Timestamp:HH:mm:ss.fff} (stop at {stopping:HH:mm:ss.fff}): {e.RenderMessage()} {e.Exception}")));
    }

    /// <summary>A JIT that compiles 1,000 methods between each two reads for its first seconds of warm-up, then none.</summary>
    private sealed class BusyJit(int busySeconds) : JitCounter
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override long CompiledMethods()
        {
            var call = Interlocked.Increment(ref _calls);
            return 1000L * Math.Min(call, 2 * busySeconds);
        }
    }

    private static async Task<string?> EntryAsync(HttpResponseMessage readiness, string entry)
    {
        using var body = JsonDocument.Parse(await readiness.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.GetProperty("entries").GetProperty(entry).GetProperty("status").GetString();
    }
}
