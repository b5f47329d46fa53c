using System.Globalization;
using System.Net;
using Serilog.Events;
using WebApp.Data;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>
/// Every route against a table of hostile values, on both providers, over a real socket: the answer is a 4xx error page or
/// a normal page, never a 5xx, and nothing is logged as an error. One site per provider, private to
/// this class (its tests run one after another), so each request's log lines can be told apart.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Sites sites) : IClassFixture<HostileInputTests.Sites>
{
    /// <summary>Values as a visitor or a scanner would type them, before URL encoding.</summary>
    private static readonly string[] Values =
    [
        new string('a', 5000),
        "مريم الخوارزمي", "\u202Eevil\u202C", "𝕳𝖊𝖑𝖑𝖔 🦊 👩🏽‍💻", "Zoë", "\uFEFF",
        "\0", "a\0b",
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f",
        "' OR '1'='1", "'; DROP TABLE users; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(10)",
        "<script>alert(1)</script>", "javascript:alert(1)",
        "99999999999999999999", "2147483648", "-2147483649", "-1", "0", "1e9", "0x10", " 1", "１",
        "", " ",
    ];

    /// <summary>Routes with the place a value goes; {0} is filled URL-encoded (path segment or query value).</summary>
    private static readonly string[] Templates =
    [
        "/?q={0}",
        "/users?q={0}",
        "/users?sort={0}",
        "/users?page={0}",
        "/users?q=an&sort={0}&page={0}",
        "/u/{0}",
        "/u/{0}?page=2",
        "/u/{handle}?page={0}",
        "/u/{handle}/posts/{0}",
        "/u/{0}/posts/{id}",
        "/debug/loaders?format={0}",
        "/error?status={0}",
        "/{0}",
    ];

    /// <summary>Repeated parameters and other shapes the table above cannot express.</summary>
    private static readonly string[] Extra =
    [
        "/users?page=1&page=2",
        "/users?q=a&q=b",
        "/users?sort=name&sort=posts",
        "/u/{handle}?page=1&page=2",
        "/u/{handle}?page=-5",
        "/u/{handle}?page=0",
        "/u/{handle}/posts/0",
        "/u/{handle}/posts/-1",
        "/u/{handle}/posts/99999999999999999999",
        "/u/{handle}/posts/1.5",
        "/u/%00",
        "/u/a%00b/posts/1",
        "/users?q=%00",
        "/users?q=%C0%AF",
        "/users?q=%ED%A0%80",
        "/users?q=%",
        "/users?%=%",
        "/u/..%2F..%2Fetc%2Fpasswd",
        "/u/%2e%2e/%2e%2e/etc/passwd",
        "/css/..%2F..%2Fappsettings.json",
        "/u/" + new string('a', 31),
        "/u/ADA",
    ];

    public static TheoryData<DatabaseProvider, string> Urls()
    {
        var author = SeedFacts.Prolific;
        var handle = author.Handle;
        var id = SeedFacts.PostsOf(author.Id)[0].Id.ToString(CultureInfo.InvariantCulture);
        var urls = new List<string>();
        foreach (var template in Templates)
        {
            foreach (var value in Values)
            {
                // EscapeDataString suits both places: it encodes '/', '?', '&', '%' and every non-ASCII byte.
                var route = template.Replace("{handle}", handle, StringComparison.Ordinal).Replace("{id}", id, StringComparison.Ordinal);
                urls.Add(route.Replace("{0}", Uri.EscapeDataString(value), StringComparison.Ordinal));
            }
        }

        urls.AddRange(Extra.Select(u => u.Replace("{handle}", handle, StringComparison.Ordinal)));
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var url in urls.Distinct(StringComparer.Ordinal))
            {
                data.Add(provider, url);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Urls))]
    public async Task Route_HostileInput_Answers4xxOrAPageWithOnlyItsOwnMarkupNever5xxNorAnErrorLog(DatabaseProvider provider, string url)
    {
        var (factory, logs) = await sites.GetAsync(provider);
        var before = logs.Events.Count;

        var page = await HtmlPage.GetAsync(factory.CreateClient(), url, TestContext.Current.CancellationToken);

        var status = (int)page.Status;
        var errors = logs.Events.Skip(before).Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage() + " " + e.Exception?.Message).ToList();
        Assert.True(status < 500, $"{url} answered {status}");
        Assert.True(errors.Count == 0, $"{url} logged errors:\n" + string.Join("\n", errors));
        if (status >= 400 && page.ContentHeaders.ContentType?.MediaType == "text/html")
        {
            // The app's helpful error page. (Kestrel itself refuses some requests, e.g. a NUL in the
            // path, with an empty 400 before the app sees them.)
            Assert.Equal(status.ToString(CultureInfo.InvariantCulture), page.Text(".status-code"));
        }
        else if (page.ContentHeaders.ContentType?.MediaType == "text/html")
        {
            Assert.Single(page.All("main h1"));
        }

        if (page.ContentHeaders.ContentType?.MediaType == "text/html" && page.Document.Head is { } head)
        {
            // Inert everywhere: the head is exactly the layout's, and every element of main has a shape that the
            // site's own pages render for benign values. A value that became markup adds a shape (or an on* handler).
            var shapes = await sites.BenignShapesAsync(factory);
            Assert.Equal(shapes.Head, Shapes(head.Children));
            var foreign = page.All("main *").Select(Shape).Where(s => !shapes.Main.Contains(s)).Distinct().ToList();
            Assert.True(foreign.Count == 0, $"{url}: elements in <main> the page never renders itself: {string.Join(", ", foreign)}");
            var handlers = page.Document.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => a.Name).ToList();
            Assert.True(handlers.Count == 0, $"{url}: event handler attributes in the document: {string.Join(", ", handlers)}");
        }
    }

    [Fact]
    public async Task Route_ValueThatClosesTheTitle_LeavesTheHeadAsTheLayoutWrites()
    {
        var (factory, _) = await sites.GetAsync(DatabaseProvider.Sqlite);
        var url = "/users?q=" + Uri.EscapeDataString("</title><script>alert(1)</script><meta http-equiv=refresh content=0>");

        var page = await HtmlPage.GetAsync(factory.CreateClient(), url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal((await sites.BenignShapesAsync(factory)).Head, Shapes(page.Document.Head!.Children));
        Assert.Empty(page.All("script"));
        Assert.StartsWith("People matching “</title><script>", page.Document.Title, StringComparison.Ordinal);
    }

    /// <summary>An element as tag and attribute names (values are data; names are what input must never add).</summary>
    private static string Shape(AngleSharp.Dom.IElement element) =>
        element.LocalName + "[" + string.Join(",", element.Attributes.Select(a => a.Name).Order(StringComparer.Ordinal)) + "]";

    private static List<string> Shapes(IEnumerable<AngleSharp.Dom.IElement> elements) => [.. elements.Select(Shape)];

    /// <summary>One site per provider over a real socket, with its logs; and the shapes its benign pages render.</summary>
    public sealed class Sites : ClassSites<LoggedSite>
    {
        private readonly Dictionary<WebAppFactory, (List<string> Head, HashSet<string> Main)> _benign = [];

        /// <summary>The head (in order) and the element shapes of main, over the site's pages rendered for benign values.</summary>
        public async Task<(List<string> Head, HashSet<string> Main)> BenignShapesAsync(WebAppFactory factory)
        {
            if (_benign.TryGetValue(factory, out var known))
            {
                return known;
            }

            var author = SeedFacts.Prolific;
            var post = SeedFacts.PostsOf(author.Id)[0].Id.ToString(CultureInfo.InvariantCulture);
            string[] urls =
            [
                "/", "/users", "/users?q=an&sort=joined&page=2", "/users?q=zzzzzz", $"/u/{author.Handle}", $"/u/{author.Handle}?page=2",
                $"/u/{SeedFacts.User(1).Handle}", $"/u/{author.Handle}/posts/{post}", "/u/nobody_at_all", "/users?sort=sideways", "/no/such/page",
            ];
            List<string>? head = null;
            var main = new HashSet<string>(StringComparer.Ordinal);
            foreach (var url in urls)
            {
                var page = await HtmlPage.GetAsync(factory.CreateClient(), url, TestContext.Current.CancellationToken);
                var pageHead = Shapes(page.Document.Head!.Children);
                Assert.True(head is null || head.SequenceEqual(pageHead), $"{url}: the layout's head differs between benign pages");
                head ??= pageHead;
                main.UnionWith(page.All("main *").Select(Shape));
            }

            known = (head!, main);
            _benign[factory] = known;
            return known;
        }

        protected override async Task<LoggedSite> StartAsync(DatabaseProvider provider)
        {
            var logs = new LogCapture();
            var factory = await TestSite.On(provider).With(new Dictionary<string, string?> { ["PageViews:Enabled"] = "false", ["Serilog:MinimumLevel:Default"] = "Information" }).WithServices(services => services.AddSingleton<Serilog.Core.ILogEventSink>(logs)).OnKestrel().StartAsync(); // a real socket: the test server's own URL parser rejects what Kestrel must answer
            return new LoggedSite(factory, logs);
        }
    }
}
