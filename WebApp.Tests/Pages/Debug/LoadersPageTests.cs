using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Tests.Infrastructure;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebApp.Loading;

namespace WebApp.Tests.Pages.Debug;

public sealed class LoadersPageTests
{
    [Fact]
    public async Task Loaders_SlowLoaderRunning_IsListedInFlightThenShownAsAWaterfall()
    {
        var faults = new FaultInjector().Delay("profile.posts", TimeSpan.FromSeconds(1.5));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithInterceptor(faults).InEnvironment("Development").StartAsync();
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
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).InEnvironment("Development").StartAsync();
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
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).StartAsync();
        using var durations = new MetricCollector<double>(factory.Services.GetRequiredService<IMeterFactory>(), WebApp.Loading.LoadingServiceCollectionExtensions.TelemetryName, "upfront.loading.loader_duration");
        using var inFlight = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), WebApp.Loading.LoadingServiceCollectionExtensions.TelemetryName, "upfront.loading.loaders_in_flight");

        (await factory.CreateClient().GetAsync($"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(
            ["profile.announcement", "profile.following", "profile.posts", "profile.stats", "profile.user"],
            durations.GetMeasurementSnapshot().Select(m => (string?)m.Tags["loader"]).Order());
        Assert.All(durations.GetMeasurementSnapshot(), m => Assert.Equal("ok", (string?)m.Tags["outcome"]));
        Assert.Equal(0, inFlight.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(10, inFlight.GetMeasurementSnapshot().Count);
        Assert.Equal(0, factory.Services.GetRequiredService<InFlightRegistry>().Count);
    }
}
