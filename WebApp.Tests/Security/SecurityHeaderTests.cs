using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>Every kind of response carries the security headers: pages, error pages, static files.</summary>
public sealed class SecurityHeaderTests
{
    private static IEnumerable<(string Url, HttpStatusCode Status)> PageList()
    {
        var author = SeedFacts.Prolific;
        yield return ("/", HttpStatusCode.OK);
        yield return ("/users?q=an", HttpStatusCode.OK);
        yield return ($"/u/{author.Handle}", HttpStatusCode.OK);
        yield return ($"/u/{author.Handle}/posts/{SeedFacts.PostsOf(author.Id)[0].Id}", HttpStatusCode.OK);
        yield return ("/u/nobody_at_all", HttpStatusCode.NotFound);
        yield return ("/no/such/page", HttpStatusCode.NotFound);
        yield return ("/users?sort=sideways", HttpStatusCode.BadRequest);
        yield return ("/error", HttpStatusCode.NotFound);
        yield return ("/healthz", HttpStatusCode.OK);
    }

    public static TheoryData<string, HttpStatusCode> Pages()
    {
        var data = new TheoryData<string, HttpStatusCode>();
        foreach (var (url, status) in PageList())
        {
            data.Add(url, status);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Response_AnyPage_CarriesStrictSecurityHeaders(string url, HttpStatusCode expected)
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);

        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        AssertSecurityHeaders(response.Headers);
    }

    [Fact]
    public async Task Response_500Page_CarriesSecurityHeaders()
    {
        var faults = new FaultInjector().Throw("home.latest", new InvalidOperationException("injected"));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithInterceptor(faults).StartAsync();

        using var response = await factory.CreateClient().GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        AssertSecurityHeaders(response.Headers);
    }

    [Fact]
    public async Task Response_Stylesheet_CarriesSecurityHeaders()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var home = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);

        using var response = await client.GetAsync(home.Required("link[rel=stylesheet]").GetAttribute("href"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertSecurityHeaders(response.Headers);
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Testing", true)]
    [InlineData("Development", false)]
    public async Task Hsts_OverHttps_OutsideDevelopment(string environment, bool expected)
    {
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).InEnvironment(environment).StartAsync();
        // Not localhost: the middleware leaves HSTS off for it, so a developer's browser does not pin it.
        var client = factory.CreateClient(new() { BaseAddress = new Uri("https://webapp.example") });

        using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Headers.Contains("Strict-Transport-Security"));
        if (expected)
        {
            Assert.Contains("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_NoInlineStyleOrScript_AnywhereInTheMarkup()
    {
        // The CSP would block them; this finds them before a browser does, on every page type.
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        foreach (var url in PageList().Select(p => p.Url).Where(u => u != "/healthz"))
        {
            var page = await HtmlPage.GetAsync(client, url, TestContext.Current.CancellationToken);

            Assert.Empty(page.All("[style], style, script"));
            Assert.DoesNotContain(page.All("*"), e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        }
    }

    private static void AssertSecurityHeaders(HttpResponseHeaders headers)
    {
        var csp = Value(headers, "Content-Security-Policy");
        foreach (var directive in new[] { "default-src 'self'", "script-src 'none'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'" })
        {
            Assert.Contains(directive, csp, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Value(headers, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Value(headers, "Referrer-Policy"));
        Assert.Equal("DENY", Value(headers, "X-Frame-Options"));
        Assert.Equal("same-origin", Value(headers, "Cross-Origin-Opener-Policy"));
        Assert.Equal("require-corp", Value(headers, "Cross-Origin-Embedder-Policy"));
        Assert.Equal("same-origin", Value(headers, "Cross-Origin-Resource-Policy"));
        Assert.Contains("camera=()", Value(headers, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.False(headers.Contains("Server"), "no Server header");
        Assert.False(headers.Contains("Strict-Transport-Security"), "no HSTS over plain HTTP");
    }

    private static string Value(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(", ", values) : throw new Xunit.Sdk.XunitException($"missing header {name}");
}
