using System.Globalization;
using Microsoft.Playwright;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>
/// A visitor's journey in a real Chromium against the app on a real socket: home, search, a profile,
/// its second page of posts, a post, and back; then /debug/loaders and a 404. Every page must load
/// with no console error, no failed or error response and no CSP violation, fit the viewport without
/// sideways scrolling, and is photographed (the screenshots go with the test results; see <see cref="Chromium.ScreenshotFolder"/>).
/// </summary>
public sealed class BrowserJourneyTests
{
    public static TheoryData<int, string> Viewports() => new()
    {
        { 320, "light" },
        { 375, "light" },
        { 375, "dark" },
        { 1280, "light" },
        { 1280, "dark" },
        { 1440, "light" },
    };

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task Journey_HomeSearchProfilePagePostBack_CleanAtEveryStep(int width, string scheme)
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var factory = await StartSiteAsync();
        var baseUrl = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        await context.AddInitScriptAsync(PageWatcher.CspRecorder);
        // The machine's two cores are shared with other builds: allow a slow step rather than flake.
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var watcher = new PageWatcher(page);
        var shots = new Screenshots(page, $"{width}-{scheme}");
        try
        {
            await WalkAsync(page, watcher, shots);
        }
        catch
        {
            // The state the browser was in when a step failed, next to the other screenshots.
            await shots.TakeAsync("failed");
            throw;
        }
    }

    private static async Task WalkAsync(IPage page, PageWatcher watcher, Screenshots shots)
    {
        var author = SeedFacts.Prolific;

        // Home
        var home = await page.GotoAsync("/");
        Assert.Equal(200, home!.Status);
        Assert.False(home.Headers.ContainsKey("server"), "Kestrel must not name itself");
        Assert.Contains("default-src 'self'", home.Headers["content-security-policy"], StringComparison.Ordinal);
        await shots.TakeAsync("1-home");
        await watcher.AssertCleanAsync("home");
        await AssertPageShapeAsync(page, "home");
        await AssertFocusVisibleAsync(page);

        // Search from the home page's form
        await page.FillAsync("#home-q", author.Handle);
        await ClickToAsync(page, "form.search button[type=submit]", "/users?q=" + author.Handle);
        await AssertPageShapeAsync(page, "directory");
        await watcher.AssertCleanAsync("directory");
        await shots.TakeAsync("2-directory");

        // The profile, then its second page of posts
        await ClickToAsync(page, $"#directory a[href='/u/{author.Handle}']", $"/u/{author.Handle}");
        Assert.Equal(author.DisplayName, (await page.TextContentAsync("#profile-name"))?.Trim());
        await AssertPageShapeAsync(page, "profile");
        await watcher.AssertCleanAsync("profile");
        await shots.TakeAsync("3-profile");

        await ClickToAsync(page, "#profile-posts .pager a[rel=next]", $"/u/{author.Handle}?page=2");
        Assert.Equal("Page 2", (await page.TextContentAsync(".pager-position"))?.Trim()[..6]);
        await AssertPageShapeAsync(page, "profile page 2");
        await watcher.AssertCleanAsync("profile page 2");
        await shots.TakeAsync("4-profile-page-2");

        // A post from that page
        var expected = SeedFacts.PostsOf(author.Id)[10];
        await ClickToAsync(page, "#profile-posts li:first-child h3 a", $"/u/{author.Handle}/posts/{expected.Id.ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal(expected.Title, (await page.TextContentAsync("#post-title"))?.Trim());
        await AssertPageShapeAsync(page, "post");
        await watcher.AssertCleanAsync("post");
        await shots.TakeAsync("5-post");

        // Back to where the visitor came from
        await page.GoBackAsync();
        Assert.EndsWith($"/u/{author.Handle}?page=2", page.Url, StringComparison.Ordinal);
        await AssertPageShapeAsync(page, "back");
        await watcher.AssertCleanAsync("back");
        await shots.TakeAsync("6-back");

        // The diagnostics page (allowed here: enabled, and the browser is on loopback) obeys the CSP too.
        var loaders = await page.GotoAsync("/debug/loaders");
        Assert.Equal(200, loaders!.Status);
        Assert.True(await page.Locator("#waterfalls svg.waterfall-chart").CountAsync() > 0, "no waterfall drawn");
        await AssertPageShapeAsync(page, "debug/loaders");
        await watcher.AssertCleanAsync("debug/loaders");
        await shots.TakeAsync("7-debug-loaders");

        // A page that does not exist is an error page, styled and clean apart from its own 404.
        var missing = await page.GotoAsync("/u/nobody_at_all");
        Assert.Equal(404, missing!.Status);
        await AssertPageShapeAsync(page, "404");
        await shots.TakeAsync("8-not-found");
    }

    [Fact]
    public async Task Csp_InjectedInlineStyleAndScript_AreBlockedAndReported()
    {
        // The negative control: the listener the journey relies on does see violations.
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var factory = await StartSiteAsync();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = factory.ClientOptions.BaseAddress.ToString() });
        await context.AddInitScriptAsync(PageWatcher.CspRecorder);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        var color = await page.EvaluateAsync<string>("""
            () => {
              const probe = document.createElement('div');
              probe.innerHTML = '<p id="probe" style="color: rgb(255, 0, 0)">x</p><img src="x" onerror="window.__ran = true">';
              document.body.append(probe);
              return getComputedStyle(document.getElementById('probe')).color;
            }
            """);
        await page.WaitForFunctionAsync("() => window.__cspViolations.length >= 2");
        var violations = await page.EvaluateAsync<string[]>("() => window.__cspViolations");
        var ran = await page.EvaluateAsync<bool>("() => window.__ran === true");

        Assert.NotEqual("rgb(255, 0, 0)", color);
        Assert.False(ran, "an inline event handler ran");
        Assert.Contains(violations, v => v.StartsWith("style-src", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("script-src", StringComparison.Ordinal));
    }

    private static Task<WebAppFactory> StartSiteAsync() =>
        TestSite.On(DatabaseProvider.Sqlite).With(new Dictionary<string, string?> { ["PageViews:Enabled"] = "false", ["Diagnostics:Enabled"] = "true" }).WithFixedClock().OnKestrel().StartAsync();

    /// <summary>
    /// Clicks a link or button and waits until the page at <paramref name="pathAndQuery"/> has loaded.
    /// Both the address and the load are polled in the browser. Not <c>WaitForURLAsync</c>: when the address
    /// already matches, the .NET client checks its list of load events and then subscribes to the next one on
    /// the test's thread while its connection thread delivers them, so a "load" that lands between the two is
    /// missed and the wait times out with the page idle (two CI runs, at the search and at the post).
    /// </summary>
    private static async Task ClickToAsync(IPage page, string selector, string pathAndQuery)
    {
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync(
            "path => location.pathname + location.search === path && document.readyState === 'complete'",
            pathAndQuery);
    }

    /// <summary>Landmarks, one h1, a language, and nothing wider than the viewport.</summary>
    private static async Task AssertPageShapeAsync(IPage page, string step)
    {
        var shape = await page.EvaluateAsync<PageShape>("""
            () => ({
              lang: document.documentElement.lang,
              h1: document.querySelectorAll('h1').length,
              main: document.querySelectorAll('main').length,
              overflow: document.documentElement.scrollWidth - window.innerWidth,
              unlabelled: [...document.querySelectorAll('input, select, textarea')].filter(c => !c.labels || c.labels.length === 0).length,
              missingAlt: document.querySelectorAll('img:not([alt])').length,
            })
            """);
        Assert.True(shape.Lang == "en", $"{step}: html lang is '{shape.Lang}'");
        Assert.True(shape.H1 == 1, $"{step}: {shape.H1} h1 elements");
        Assert.True(shape.Main == 1, $"{step}: {shape.Main} main landmarks");
        Assert.True(shape.Overflow <= 0, $"{step}: the page is {shape.Overflow}px wider than the viewport");
        Assert.True(shape.Unlabelled == 0, $"{step}: {shape.Unlabelled} form controls without a label");
        Assert.True(shape.MissingAlt == 0, $"{step}: {shape.MissingAlt} images without alt");
    }

    /// <summary>The first Tab lands on the skip link, which shows and has a visible outline.</summary>
    private static async Task AssertFocusVisibleAsync(IPage page)
    {
        await page.Keyboard.PressAsync("Tab");
        var focus = await page.EvaluateAsync<FocusState>("""
            () => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              const box = el.getBoundingClientRect();
              return { className: el.className, outline: style.outlineStyle, width: parseFloat(style.outlineWidth), top: box.top };
            }
            """);
        Assert.Equal("skip-link", focus.ClassName);
        Assert.NotEqual("none", focus.Outline);
        Assert.True(focus.Width >= 2, $"focus outline is {focus.Width}px");
        Assert.True(focus.Top >= 0, "the focused skip link stays off screen");
        await page.Keyboard.PressAsync("Shift+Tab");
    }

    // Classes with setters: Playwright fills results through a parameterless constructor.
    private sealed class PageShape
    {
        public string Lang { get; set; } = "";
        public int H1 { get; set; }
        public int Main { get; set; }
        public double Overflow { get; set; }
        public int Unlabelled { get; set; }
        public int MissingAlt { get; set; }
    }

    private sealed class FocusState
    {
        public string ClassName { get; set; } = "";
        public string Outline { get; set; } = "";
        public double Width { get; set; }
        public double Top { get; set; }
    }

    /// <summary>Full-page PNGs, written to the screenshot folder and attached to the test result.</summary>
    private sealed class Screenshots(IPage page, string prefix)
    {
        public async Task TakeAsync(string step)
        {
            var folder = Chromium.ScreenshotFolder;
            Directory.CreateDirectory(folder);
            var name = $"{prefix}-{step}.png";
            var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
            TestContext.Current.AddAttachment(name, bytes, "image/png");
        }
    }
}
