using System.Net;
using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Mvc.Razor.Infrastructure;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.AspNetCore.Mvc.Razor.TagHelpers;
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
/// (negative controls, through a test-only link tag helper that does I/O: the layout's stylesheet link is one on
/// every page),
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
            IoLinkTagHelpers.Replace(services, Query);
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
            IoLinkTagHelpers.Replace(services, Call);
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        });

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        var violation = Assert.Single(logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception).OfType<RenderPhaseViolationException>().Distinct());
        Assert.Equal("profile", violation.Page);
        Assert.Equal($"HTTP GET {CallTarget}", violation.Call);
    }

    [Fact]
    public async Task Guard_InProduction_LogsCountsAndStillServesThePage()
    {
        var logs = new LogCapture();
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: services =>
        {
            IoLinkTagHelpers.Replace(services, Query);
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        }, environment: "Production");
        using var violations = new MetricRecorder<long>(factory.Services, LoadingMetrics.MeterName, ViolationsInstrument);

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(Sites.Seed.Users.Count.ToString(CultureInfo.InvariantCulture), page.Required("link[rel=stylesheet]").GetAttribute("data-leak"));
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

    private const string CallTarget = "http://127.0.0.1:9/activity";

    /// <summary>Queries the database.</summary>
    private static string Query(IServiceProvider services)
    {
        using var db = services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();
        return db.Users.Count().ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Calls an HTTP service.</summary>
    private static string Call(IServiceProvider services)
    {
        using var response = services.GetRequiredService<IHttpClientFactory>().CreateClient().Send(new HttpRequestMessage(HttpMethod.Get, CallTarget));
        return "called";
    }

    /// <summary>
    /// Test-only: the app's tag helper factory, except that every <c>&lt;link&gt;</c> tag helper does <paramref name="io"/> as
    /// it writes its element and shows the result in a <c>data-leak</c> attribute.
    /// </summary>
    private sealed class IoLinkTagHelpers(ITagHelperFactory _inner, Func<IServiceProvider, string> io) : ITagHelperFactory
    {
        /// <summary>Wraps the app's own factory (MVC's, internal) in this one.</summary>
        public static void Replace(IServiceCollection services, Func<IServiceProvider, string> io)
        {
            var app = services.Last(d => d.ServiceType == typeof(ITagHelperFactory)).ImplementationType!;
            services.AddSingleton<ITagHelperFactory>(sp => new IoLinkTagHelpers((ITagHelperFactory)ActivatorUtilities.CreateInstance(sp, app), io));
        }

        public TTagHelper CreateTagHelper<TTagHelper>(ViewContext context)
            where TTagHelper : ITagHelper
        {
            if (typeof(TTagHelper) != typeof(LinkTagHelper))
            {
                return _inner.CreateTagHelper<TTagHelper>(context);
            }

            var link = ActivatorUtilities.CreateInstance<IoLinkTagHelper>(context.HttpContext.RequestServices, io);
            link.ViewContext = context;
            return (TTagHelper)(object)link;
        }
    }

    private sealed class IoLinkTagHelper(
        IWebHostEnvironment environment,
        TagHelperMemoryCacheProvider cache,
        IFileVersionProvider versions,
        HtmlEncoder html,
        JavaScriptEncoder script,
        IUrlHelperFactory urls,
        Func<IServiceProvider, string> io) : LinkTagHelper(environment, cache, versions, html, script, urls)
    {
        public override void Process(TagHelperContext context, TagHelperOutput output)
        {
            base.Process(context, output);
            // The error page that reports the violation must not repeat it.
            if (RenderPhase.Page != "error")
            {
                output.Attributes.SetAttribute("data-leak", io(ViewContext.HttpContext.RequestServices));
            }
        }
    }
}
