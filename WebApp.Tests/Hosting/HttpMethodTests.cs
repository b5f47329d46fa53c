using System.Globalization;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

/// <summary>
/// Every route under every method: pages and health checks answer GET and HEAD; any other method gets
/// 405 with Allow, rendered as the site's error page, and nothing is logged as an error. Hidden
/// diagnostics stay 404 whatever the method. One site, private to this class (its cases run one after
/// another), so each request's log lines can be told apart.
/// </summary>
public sealed class HttpMethodTests(HttpMethodTests.Site site) : IClassFixture<HttpMethodTests.Site>
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"];

    /// <summary>Each route with what GET gets; null: the route answers no method but with 404.</summary>
    private static IEnumerable<(string Url, HttpStatusCode? Get)> Routes()
    {
        var author = SeedFacts.Prolific;
        yield return ("/", HttpStatusCode.OK);
        yield return ("/users?q=an", HttpStatusCode.OK);
        yield return ($"/u/{author.Handle}", HttpStatusCode.OK);
        yield return ($"/u/{author.Handle}/posts/{SeedFacts.PostsOf(author.Id)[0].Id}", HttpStatusCode.OK);
        yield return ("/benchmarks", HttpStatusCode.OK);
        yield return ("/healthz", HttpStatusCode.OK);
        yield return ("/readyz", HttpStatusCode.OK);
        yield return ("/u/nobody_at_all", HttpStatusCode.NotFound); // a page whose data is missing
        yield return ("/error", HttpStatusCode.NotFound);           // visited directly, a page that does not exist
        yield return ("/debug/loaders", null);                      // diagnostics off (Testing): not there at all
        yield return ("/DEBUG/Loaders/", null);
        // No page here. A build (not a publish) maps the static-assets fallback {**path:file} for GET and HEAD,
        // so routing answers any other method on any unknown path 405: static files as they were.
        yield return ("/no/such/page", HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string> RoutesAndMethods()
    {
        var data = new TheoryData<string, string>();
        foreach (var (url, _) in Routes())
        {
            foreach (var method in Methods)
            {
                data.Add(url, method);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoutesAndMethods))]
    public async Task Route_AnyMethod_GetAndHeadAnsweredOthers405WithAllowAndNoErrorLogged(string url, string method)
    {
        var (factory, logs) = await site.GetAsync(DatabaseProvider.Sqlite);
        var get = Routes().Single(r => r.Url == url).Get;
        var expected = get is null ? HttpStatusCode.NotFound
            : method is "GET" or "HEAD" ? get.Value
            : HttpStatusCode.MethodNotAllowed;
        var before = logs.Events.Count;

        using var response = await factory.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), url), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.MethodNotAllowed)
        {
            Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
        }
        else
        {
            Assert.Empty(response.Content.Headers.Allow);
        }

        if ((int)expected >= 400 && method != "HEAD")
        {
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = await new HtmlParser().ParseDocumentAsync(body, TestContext.Current.CancellationToken);
            Assert.Equal(((int)expected).ToString(CultureInfo.InvariantCulture), page.QuerySelector(".status-code")?.TextContent);
            Assert.Equal(1, page.QuerySelectorAll("#error-heading").Length);
        }

        var errors = logs.Events.Skip(before).Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task StaticAsset_OtherMethods_AnsweredAsBefore()
    {
        var (factory, _) = await site.GetAsync(DatabaseProvider.Sqlite);
        var client = factory.CreateClient();
        var home = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);
        var stylesheet = home.Required("link[rel=stylesheet]").GetAttribute("href")!;

        using var get = await client.GetAsync(stylesheet, TestContext.Current.CancellationToken);
        using var post = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, stylesheet), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
    }

    /// <summary>The class's site, on SQLite (methods do not depend on the provider), with its logs.</summary>
    public sealed class Site : ClassSites<LoggedSite>
    {
        protected override async Task<LoggedSite> StartAsync(DatabaseProvider provider)
        {
            var logs = new LogCapture();
            var factory = await TestSite.On(provider).With(new Dictionary<string, string?>
                {
                    ["PageViews:Enabled"] = "false",
                    ["Serilog:MinimumLevel:Default"] = "Information",
                    // About methods, not deadlines: a busy shared machine must not turn a 200 into a 504.
                    ["Loading:RequestTimeout"] = "00:00:30",
                }).WithServices(services => services.AddSingleton<ILogEventSink>(logs)).StartAsync();
            return new LoggedSite(factory, logs);
        }
    }
}
