using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using WebApp.Data;
using WebApp.PageViews;
using WebApp.Pages;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>
/// Page-view counting end to end: profile requests, the queue, the writer, a host's graceful stop, and the rows
/// in user_daily_views, on each provider. The clock stands still at the seed's reference time, so every
/// view lands on one known day. The writer's retries, refusals and losses: PageViewWriterTests.
/// </summary>
public sealed class PageViewCountingTests
{

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profiles_ManyRequestsThenGracefulStop_StoresExactlyEveryView(DatabaseProvider provider)
    {
        // Not a multiple of the batch size: the last views are written only by the drain on stop.
        const int Requests = 210;
        var logs = new LogCapture();
        var site = await StartAsync(provider, new() { ["PageViews:BatchSize"] = "50" }, logs: logs);
        var before = await ViewRows.ReadAsync(site.Factory.Database);

        var statuses = await GetProfilesAsync(site.Factory, Requests);
        await site.Factory.DisposeAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var after = await ViewRows.ReadAsync(site.Factory.Database);
        ViewRows.AssertAdded(before, after, ViewRows.Expected(Requests));
        Assert.Equal(Requests, site.Writer.Written);
        Assert.Equal(0, site.Writer.Lost);
        Assert.Equal(0, site.Recorder.Dropped);
        Assert.True(site.Writer.ExecuteTask!.IsCompletedSuccessfully);
        var drained = Assert.Single(logs.Events, e => e.MessageTemplate.Text.StartsWith("Page views drained", StringComparison.Ordinal));
        Assert.Equal(Requests.ToString(CultureInfo.InvariantCulture), LogCapture.Property(drained, "Written"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Profiles_QueueFullWhileWriterStalled_DropCountedAndEveryRequestServed(DatabaseProvider provider)
    {
        const int MoreRequests = 20;
        var flush = new FlushInterceptor().Hold();
        var logs = new LogCapture();
        var site = await StartAsync(provider, new()
        {
            ["PageViews:QueueCapacity"] = "1",
            ["PageViews:Linger"] = "00:00:00",
        }, flush, logs);
        await using var factory = site.Factory;
        using var dropped = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.dropped");
        var before = await ViewRows.ReadAsync(factory.Database);
        var handle = SeedFacts.User(ViewRows.Users[0]).Handle;

        // The first view reaches the writer, which stalls in its upsert holding it.
        using var first = await factory.CreateClient().GetAsync($"/u/{handle}", TestContext.Current.CancellationToken);
        await flush.Entered.WaitAsync(TestContext.Current.CancellationToken);
        // The next fills the queue of one; every later one is dropped, and no request waits for the writer.
        var statuses = await GetProfilesAsync(factory, MoreRequests, handle);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(MoreRequests - 1, site.Recorder.Dropped);
        Assert.Equal(MoreRequests - 1, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        // The clock stands still, so the interval never passes: one warning, for the first drop.
        Assert.Single(logs.Events, e => e.Level == LogEventLevel.Warning && e.MessageTemplate.Text.StartsWith("Dropped", StringComparison.Ordinal));

        flush.Release();
        await factory.DisposeAsync();
        ViewRows.AssertAdded(before, await ViewRows.ReadAsync(factory.Database), new() { [(ViewRows.Users[0], ViewRows.Today)] = 2 });
        Assert.Equal(2, site.Writer.Written);
    }

    [Fact]
    public async Task Profiles_NotFound_RecordNoView()
    {
        var site = await StartAsync(DatabaseProvider.Sqlite, []);
        await using var factory = site.Factory;
        var client = factory.CreateClient();
        var user = SeedFacts.Prolific;
        var pages = (SeedFacts.PostsOf(user.Id).Count + ProfileModel.PageSize - 1) / ProfileModel.PageSize;

        // A page past the last and an unknown user are 404s: only the profile that rendered counts.
        using var past = await client.GetAsync($"/u/{user.Handle}?page={pages + 1}", TestContext.Current.CancellationToken);
        using var unknown = await client.GetAsync("/u/nobody_here", TestContext.Current.CancellationToken);
        using var shown = await client.GetAsync($"/u/{user.Handle}?page={pages}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, past.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal(1, site.Recorder.Recorded);
    }

    private sealed record Site(WebAppFactory Factory, PageViewRecorder Recorder, PageViewWriter Writer, FakeTimeProvider Clock);

    private static async Task<Site> StartAsync(
        DatabaseProvider provider,
        Dictionary<string, string?> settings,
        IInterceptor? interceptor = null,
        LogCapture? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime));
        settings["Serilog:MinimumLevel:Default"] = "Information";
        var site = TestSite.On(provider).With(settings);
        if (interceptor is not null)
        {
            site.WithInterceptor(interceptor);
        }

        var factory = await site.WithServices(s =>
        {
            s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));

            if (logs is not null)
            {
                s.AddSingleton<Serilog.Core.ILogEventSink>(logs);
            }

            services?.Invoke(s);
        }).StartAsync();
        return new Site(
            factory,
            factory.Services.GetRequiredService<PageViewRecorder>(),
            factory.Services.GetServices<IHostedService>().OfType<PageViewWriter>().Single(),
            clock);
    }

    /// <summary>Requests the profiles of <see cref="ViewRows.Users"/> in turn (or of one handle), eight at a time.</summary>
    private static async Task<IReadOnlyList<HttpStatusCode>> GetProfilesAsync(WebAppFactory factory, int count, string? handle = null)
    {
        var client = factory.CreateClient();
        var statuses = new HttpStatusCode[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken },
            async (i, ct) =>
            {
                using var response = await client.GetAsync($"/u/{handle ?? SeedFacts.User(ViewRows.Users[i % ViewRows.Users.Length]).Handle}", ct);
                statuses[i] = response.StatusCode;
            });
        return statuses;
    }
}
