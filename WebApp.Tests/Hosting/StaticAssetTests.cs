using System.Net;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

/// <summary>
/// The stylesheet as a browser gets it (gzip accepted): CSS, fingerprinted, cached for a year. A build
/// output serves assets with no-cache (so edits show at once); the setting below gives the published
/// behaviour, which is what visitors get.
/// </summary>
public sealed class StaticAssetTests
{
    private static readonly Dictionary<string, string?> PublishedCaching = new() { ["EnableStaticAssetsDevelopmentCaching"] = "true" };

    [Theory]
    [InlineData("Testing", false)]
    [InlineData("Production", false)]
    [InlineData("Production", true)]
    public async Task Stylesheet_Fingerprinted_ServedAsCssAndCachedForAYear(string environment, bool kestrel)
    {
        var site = TestSite.On(DatabaseProvider.Sqlite).With(PublishedCaching).InEnvironment(environment);
        await using var factory = await (kestrel ? site.OnKestrel() : site).StartAsync();
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");
        var home = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);
        var href = home.Required("link[rel=stylesheet]").GetAttribute("href")!;

        using var css = await client.GetAsync(href, TestContext.Current.CancellationToken);

        Assert.Matches(@"^/css/site\.[a-z0-9]+\.css$", href);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.True(css.Content.Headers.ContentType?.MediaType == "text/css", $"{css.Headers}\n{css.Content.Headers}");
        Assert.Contains("max-age=31536000", css.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("immutable", css.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }
}
