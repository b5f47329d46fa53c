using System.Net;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Rendering;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rendering;

/// <summary>
/// The render-phase guard, proven both ways: real pages that do I/O while rendering are caught
/// (negative controls, through test-only tag helper components that run inside every page's layout),
/// and every page of the site renders with no I/O at all.
/// </summary>
public sealed class RenderGuardTests
{
    private const string ViolationsInstrument = "webapp.render.io_violations";
    private const string RenderInstrument = "webapp.render.duration";

    [Fact]
    public async Task Guard_DatabaseQueryWhileRendering_FailsThePageNamingPageAndCall()
    {
        var logs = new LogCapture();
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: services =>
        {
            services.AddTransient<ITagHelperComponent, QueryingComponent>();
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        });

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        var violation = Assert.Single(logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception).OfType<RenderPhaseViolationException>().Distinct());
        Assert.Equal("home", violation.Page);
        Assert.Contains("database", violation.Call, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guard_HttpCallWhileRendering_FailsThePageNamingPageAndCall()
    {
        var logs = new LogCapture();
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: services =>
        {
            services.AddTransient<ITagHelperComponent, CallingComponent>();
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        });

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        var violation = Assert.Single(logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception).OfType<RenderPhaseViolationException>().Distinct());
        Assert.Equal("profile", violation.Page);
        Assert.Equal($"HTTP GET {CallingComponent.Target}", violation.Call);
    }

    [Fact]
    public async Task Guard_InProduction_LogsCountsAndStillServesThePage()
    {
        var logs = new LogCapture();
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: services =>
        {
            services.AddTransient<ITagHelperComponent, QueryingComponent>();
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        }, environment: "Production");
        using var violations = new MetricRecorder<long>(factory.Services, LoadingMetrics.MeterName, ViolationsInstrument);

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(Formatting(Sites.Seed.Users.Count), page.Text("#render-leak"));
        // One error per guarded call (the connection open, then the query), each naming page and call.
        var errors = logs.AtLeast(LogEventLevel.Error).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, error => Assert.Equal("home", LogCapture.Property(error, "Page")));
        Assert.Contains(errors, error => LogCapture.Property(error, "Call")!.StartsWith("database", StringComparison.Ordinal));
        Assert.Contains(violations.Measurements, m => m.Tags["page"] == "home");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Guard_EveryPage_RendersWithNoIoAndUnderTheGuard(DatabaseProvider provider)
    {
        // Diagnostics on, over a loopback socket: /debug/loaders renders too.
        await using var factory = await WebAppFactory.StartAsync(provider, new Dictionary<string, string?> { ["Diagnostics:Enabled"] = "true" }, kestrel: true);
        using var violations = new MetricRecorder<long>(factory.Services, LoadingMetrics.MeterName, ViolationsInstrument);
        using var renders = new MetricRecorder<double>(factory.Services, LoadingMetrics.MeterName, RenderInstrument);
        using var loaders = new MetricRecorder<double>(factory.Services, LoadingMetrics.MeterName, "webapp.loading.loader_duration");
        var client = factory.CreateClient();
        var author = SeedFacts.Prolific;
        var pages = new Dictionary<string, string>
        {
            ["/"] = "home",
            ["/users?q=an&sort=posts&page=2"] = "directory",
            [$"/u/{author.Handle}?page=2"] = "profile",
            [$"/u/{author.Handle}/posts/{SeedFacts.PostsOf(author.Id)[0].Id}"] = "post",
            ["/benchmarks"] = "benchmarks",
            ["/debug/loaders"] = "debug.loaders",
            ["/no/such/page"] = "error",
        };

        foreach (var (url, _) in pages)
        {
            var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);
            Assert.Equal(url == "/no/such/page" ? HttpStatusCode.NotFound : HttpStatusCode.OK, page.Status);
        }

        Assert.Empty(violations.Measurements);
        // Each page rendered inside the render phase: the guard was armed while it wrote HTML.
        Assert.Equal(pages.Values.Order(), renders.Measurements.Select(m => m.Tags["page"]!).Order());
        // One vocabulary: a page's loaders are measured under the name its render is.
        var loaderPages = loaders.Measurements.Select(m => m.Tags["page"]!).Distinct().Order().ToList();
        Assert.Equal(["benchmarks", "directory", "home", "post", "profile"], loaderPages);
    }

    private static string Formatting(int count) => WebApp.Pages.Shared.Formatting.Count(count);

    /// <summary>Test-only: a tag helper component that does I/O inside the layout's body (not on the error page that reports it).</summary>
    private abstract class BodyIoComponent : TagHelperComponent
    {
        [ViewContext]
        [HtmlAttributeNotBound]
        public ViewContext ViewContext { get; set; } = null!;

        public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
        {
            // The error page that reports the violation must not repeat it.
            if (context.TagName != "body" || ViewContext.ActionDescriptor.DisplayName == "/Error")
            {
                return;
            }

            output.PostContent.AppendHtml($"<p id=\"render-leak\">{await DoIoAsync()}</p>");
        }

        protected abstract Task<string> DoIoAsync();
    }

    /// <summary>Queries the database while the page renders.</summary>
    private sealed class QueryingComponent(IDbContextFactory<AppDbContext> factory) : BodyIoComponent
    {
        protected override async Task<string> DoIoAsync()
        {
            await using var db = factory.CreateDbContext();
            return Formatting(await db.Users.CountAsync());
        }
    }

    /// <summary>Calls an HTTP service while the page renders.</summary>
    private sealed class CallingComponent(IHttpClientFactory clients) : BodyIoComponent
    {
        public const string Target = "http://127.0.0.1:9/activity";

        protected override async Task<string> DoIoAsync()
        {
            using var response = await clients.CreateClient().GetAsync(new Uri(Target));
            return "called";
        }
    }
}
