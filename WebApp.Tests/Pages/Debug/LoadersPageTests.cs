using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages.Debug;

public sealed class LoadersPageTests
{
    [Fact]
    public async Task Loaders_SlowLoaderRunning_IsListedInFlightThenShownAsAWaterfall()
    {
        var faults = new FaultInjector().Delay("profile.posts", TimeSpan.FromSeconds(1.5));
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: s => s.AddSingleton<IInterceptor>(faults), environment: "Development");
        var client = factory.CreateClient();

        var profile = client.GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(TimeSpan.FromSeconds(10), () => faults.Executed.Contains("profile.posts"), () => "profile.posts never ran");

        var during = await HtmlPage.GetAsync(client, "/debug/loaders", TestContext.Current.CancellationToken);
        (await profile).Dispose();
        var after = await HtmlPage.GetAsync(client, "/debug/loaders", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, during.Status);
        Assert.Contains(during.All("#in-flight tbody tr"), row => row.QuerySelector("th")!.TextContent == "profile.posts" && row.QuerySelector("td")!.TextContent == "profile");
        Assert.Equal("0", after.Text("#in-flight-count"));
        var waterfall = after.All("#waterfalls > li").First(li => li.QuerySelector("h3")!.TextContent.StartsWith("profile", StringComparison.Ordinal));
        var names = waterfall.QuerySelectorAll("tbody tr").Select(r => r.GetAttribute("data-loader")).ToList();
        Assert.Equal(["profile.user", "profile.stats", "profile.posts", "profile.following", "profile.announcement"], names);
        Assert.Equal(5, waterfall.QuerySelectorAll("svg rect.bar.ok").Length);
    }

    [Fact]
    public async Task Loaders_Json_ListsRecentLoadsWithLoaderTimings()
    {
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, environment: "Development");
        var client = factory.CreateClient();
        (await client.GetAsync("/", TestContext.Current.CancellationToken)).Dispose();

        using var response = await client.GetAsync("/debug/loaders?format=json", TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var recent = json.RootElement.GetProperty("recent");
        var home = recent.EnumerateArray().First(l => l.GetProperty("page").GetString() == "home");
        Assert.Equal(5, home.GetProperty("bars").GetArrayLength());
        Assert.All(home.GetProperty("bars").EnumerateArray(), bar => Assert.Equal("ok", bar.GetProperty("outcome").GetString()));
        Assert.Empty(json.RootElement.GetProperty("running").EnumerateArray());
    }

    [Fact]
    public async Task Loaders_MetricsAndRegistry_RecordEveryLoaderAndEndAtZero()
    {
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite);
        using var durations = new MetricRecorder<double>(factory.Services, LoadingMetrics.MeterName, "webapp.loading.loader_duration");
        using var inFlight = new MetricRecorder<long>(factory.Services, LoadingMetrics.MeterName, "webapp.loading.loaders_in_flight");

        (await factory.CreateClient().GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(
            ["profile.announcement", "profile.following", "profile.posts", "profile.stats", "profile.user"],
            durations.Measurements.Select(m => m.Tags["loader"]).Order());
        Assert.All(durations.Measurements, m => Assert.Equal("ok", m.Tags["outcome"]));
        Assert.Equal(0, inFlight.Measurements.Sum(m => m.Value));
        Assert.Equal(10, inFlight.Measurements.Count);
        Assert.Equal(0, factory.Services.GetRequiredService<InFlightRegistry>().Count);
    }
}
