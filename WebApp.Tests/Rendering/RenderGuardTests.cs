using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Mvc.ViewEngines;
using Microsoft.AspNetCore.Mvc.ViewFeatures.Buffers;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Events;
using Upfront.Loading;
using Upfront.Rendering;
using WebApp.Data;
using WebApp.Tests.Infrastructure;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebApp.Loading;
using WebApp.Pages;

namespace WebApp.Tests.Rendering;

/// <summary>
/// The render-phase guard, proven both ways: real pages that do I/O while rendering are caught
/// (negative controls, through a test-only partial tag helper that does I/O: the profile writes its posts with one),
/// and every page of the site renders with no I/O at all.
/// </summary>
public sealed class RenderGuardTests
{
    private const string ViolationsInstrument = "upfront.rendering.io_violations";
    private const string RenderInstrument = "upfront.rendering.duration";

    [Fact]
    public async Task Guard_DatabaseQueryWhileRendering_FailsThePageNamingPageAndCall()
    {
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithServices(services =>
        {
            IoPartialTagHelpers.Replace(services, Query);
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        }).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        var violation = Assert.Single(logs.AtLeast(LogEventLevel.Error).Select(e => e.Exception).OfType<RenderPhaseViolationException>().Distinct());
        Assert.Equal("profile", violation.Page);
        Assert.Contains("database", violation.Call, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guard_HttpCallWhileRendering_FailsThePageNamingPageAndCall()
    {
        var logs = new LogCapture();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithServices(services =>
        {
            IoPartialTagHelpers.Replace(services, Call);
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        }).StartAsync();

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
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithServices(services =>
        {
            IoPartialTagHelpers.Replace(services, Query);
            services.AddSingleton<Serilog.Core.ILogEventSink>(logs);
        }).InEnvironment("Production").StartAsync();
        using var violations = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), PagesServiceCollectionExtensions.RenderMeterName, ViolationsInstrument);

        var page = await HtmlPage.GetAsync(factory.CreateClient(), $"/u/{SeedFacts.Prolific.Handle}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(Sites.Seed.Users.Count.ToString(CultureInfo.InvariantCulture), page.Required("[data-leak]").GetAttribute("data-leak"));
        // One error per guarded call (the connection open, then the query), each naming page and call.
        var errors = logs.AtLeast(LogEventLevel.Error).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, error => Assert.Equal("profile", LogCapture.Property(error, "Page")));
        Assert.Contains(errors, error => LogCapture.Property(error, "Call")!.StartsWith("database", StringComparison.Ordinal));
        Assert.Contains(violations.GetMeasurementSnapshot(), m => (string?)m.Tags["page"] == "profile");
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Guard_EveryPage_RendersWithNoIoAndUnderTheGuard(DatabaseProvider provider)
    {
        // Diagnostics on, over a loopback socket: /debug/loaders renders too.
        await using var factory = await TestSite.On(provider).With("Diagnostics:Enabled", "true").OnKestrel().StartAsync();
        using var violations = new MetricCollector<long>(factory.Services.GetRequiredService<IMeterFactory>(), PagesServiceCollectionExtensions.RenderMeterName, ViolationsInstrument);
        using var renders = new MetricCollector<double>(factory.Services.GetRequiredService<IMeterFactory>(), PagesServiceCollectionExtensions.RenderMeterName, RenderInstrument);
        using var loaders = new MetricCollector<double>(factory.Services.GetRequiredService<IMeterFactory>(), WebApp.Loading.LoadingServiceCollectionExtensions.TelemetryName, "upfront.loading.loader_duration");
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

        Assert.Empty(violations.GetMeasurementSnapshot());
        // Each page rendered inside the render phase: the guard was armed while it wrote HTML.
        Assert.Equal(pages.Values.Order(), renders.GetMeasurementSnapshot().Select(m => (string)m.Tags["page"]!).Order());
        // One vocabulary: a page's loaders are measured under the name its render is.
        var loaderPages = loaders.GetMeasurementSnapshot().Select(m => (string)m.Tags["page"]!).Distinct().Order().ToList();
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
    /// Test-only: the app's tag helper factory, except that every <c>&lt;partial&gt;</c> tag helper does <paramref name="io"/>
    /// as it writes the partial, and shows the result in a <c>data-leak</c> attribute after it.
    /// </summary>
    private sealed class IoPartialTagHelpers(ITagHelperFactory _inner, Func<IServiceProvider, string> io) : ITagHelperFactory
    {
        /// <summary>Wraps the app's own factory (MVC's, internal) in this one.</summary>
        public static void Replace(IServiceCollection services, Func<IServiceProvider, string> io)
        {
            var app = services.Last(d => d.ServiceType == typeof(ITagHelperFactory)).ImplementationType!;
            services.AddSingleton<ITagHelperFactory>(sp => new IoPartialTagHelpers((ITagHelperFactory)ActivatorUtilities.CreateInstance(sp, app), io));
        }

        public TTagHelper CreateTagHelper<TTagHelper>(ViewContext context)
            where TTagHelper : ITagHelper
        {
            if (typeof(TTagHelper) != typeof(PartialTagHelper))
            {
                return _inner.CreateTagHelper<TTagHelper>(context);
            }

            var partial = ActivatorUtilities.CreateInstance<IoPartialTagHelper>(context.HttpContext.RequestServices, io);
            partial.ViewContext = context;
            return (TTagHelper)(object)partial;
        }
    }

    private sealed class IoPartialTagHelper(ICompositeViewEngine views, IViewBufferScope buffers, Func<IServiceProvider, string> io)
        : PartialTagHelper(views, buffers)
    {
        public override async Task ProcessAsync(TagHelperContext context, TagHelperOutput output)
        {
            await base.ProcessAsync(context, output);
            // The error page that reports the violation must not repeat it.
            if (RenderPhase.Page != "error")
            {
                output.PostContent.AppendHtml($"<span data-leak=\"{io(ViewContext.HttpContext.RequestServices)}\"></span>");
            }
        }
    }
}

/// <summary>The name the render guard gives a page: its load group's.</summary>
public sealed class PageNameTests
{
    [Theory]
    [InlineData("/Index", "home")]
    [InlineData("/Profile", "profile")]
    [InlineData("/Debug/Loaders", "debug.loaders")]
    [InlineData("", "unknown")]
    [InlineData(null, "unknown")]
    public void PageName_IsTheLoadGroupsName(string? path, string expected) =>
        Assert.Equal(expected, PagesServiceCollectionExtensions.PageName(path));
}
