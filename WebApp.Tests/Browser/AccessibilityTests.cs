using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Browser;

/// <summary>
/// axe-core over every page, error pages included, at every width the journey tests use, in the light
/// and the dark color scheme (see <see cref="AccessibilityAudit"/> for the rules). Any violation fails with
/// the page, width, scheme, rule, impact and the elements' selectors.
/// </summary>
public sealed class AccessibilityTests
{
    private static readonly ColorScheme[] Schemes = [ColorScheme.Light, ColorScheme.Dark];

    public static TheoryData<int> Widths() => [320, 375, 1280, 1440];

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task EveryPage_AxeCoreWcag22AndBestPractices_NoViolationsInLightAndDark(int width)
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var failing = SeedFacts.User(2);
        var slow = SeedFacts.User(3);
        var faults = new FaultInjector()
            .ThrowWhen("profile.stats", new InvalidOperationException("injected"), FaultInjector.HasParameter(failing.Handle))
            .Delay("profile.posts", TimeSpan.FromSeconds(60), FaultInjector.HasParameter(slow.Handle));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With(new Dictionary<string, string?>
            {
                ["PageViews:Enabled"] = "false",
                ["Diagnostics:Enabled"] = "true",
                // Long enough for every other page on a busy machine (3 s was not, with other builds
                // running); the slow profile waits for it once per width.
                ["Loading:RequestTimeout"] = "00:00:08",
            }).WithFaults(faults).WithFixedClock().OnKestrel().StartAsync();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(60_000); // the machine's two cores are shared with other builds
        var page = await context.NewPageAsync();
        var author = SeedFacts.Prolific;
        var pages = new (string Name, string Url, int Status)[]
        {
            ("home", "/", 200),
            ("directory", "/users", 200),
            ("directory search", "/users?q=an&sort=joined", 200),
            ("profile", $"/u/{author.Handle}", 200),
            ("profile page 2", $"/u/{author.Handle}?page=2", 200),
            ("profile with hostile text", $"/u/{SeedFacts.User(1).Handle}", 200),
            ("post", $"/u/{author.Handle}/posts/{SeedFacts.PostsOf(author.Id)[2].Id}", 200),
            ("benchmarks", "/benchmarks", 200),
            ("debug/loaders", "/debug/loaders", 200),
            ("404", "/u/nobody_at_all", 404),
            ("400", "/users?sort=sideways", 400),
            ("500", $"/u/{failing.Handle}", 500),
            ("504", $"/u/{slow.Handle}", 504),
        };

        var violations = new List<string>();
        foreach (var (name, url, status) in pages)
        {
            var response = await page.GotoAsync(url);
            Assert.True(response!.Status == status, $"{name} ({url}) answered {response.Status}, expected {status}");
            foreach (var scheme in Schemes)
            {
                await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme });
                foreach (var violation in await AccessibilityAudit.ViolationsAsync(page))
                {
                    violations.Add($"{name} ({url}) at {width}px, {scheme.ToString().ToLowerInvariant()}: {violation}");
                }
            }
        }

        Assert.True(violations.Count == 0, $"axe-core found {violations.Count} violation(s):\n" + string.Join('\n', violations));
    }

    [Fact]
    public async Task Axe_InjectedMissingAltLabelAndLowContrast_ReportedWithRuleImpactAndTarget()
    {
        // The negative control: the audit sees what it must, and says where.
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithoutPageViews().WithFixedClock().OnKestrel().StartAsync();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = factory.ClientOptions.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        Assert.Empty(await AccessibilityAudit.ViolationsAsync(page));

        // Set through the DOM and CSSOM, which the page's CSP allows (markup with style or handlers it would block).
        await page.EvaluateAsync("""
            () => {
              const main = document.querySelector('main');
              const image = document.createElement('img');
              image.id = 'probe-image';
              image.src = '/favicon.svg';
              const input = document.createElement('input');
              input.id = 'probe-input';
              const faint = document.createElement('p');
              faint.id = 'probe-faint';
              faint.textContent = 'Hard to read';
              faint.style.color = '#bbbbbb'; // 1.9:1 on white; AA asks 4.5:1
              faint.style.backgroundColor = '#ffffff';
              main.append(image, input, faint);
            }
            """);
        var violations = await AccessibilityAudit.ViolationsAsync(page);

        var all = string.Join('\n', violations);
        Assert.Contains(violations, v => v.StartsWith("image-alt (critical)", StringComparison.Ordinal) && v.Contains("#probe-image", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("label (critical)", StringComparison.Ordinal) && v.Contains("#probe-input", StringComparison.Ordinal));
        Assert.True(violations.Any(v => v.StartsWith("color-contrast (serious)", StringComparison.Ordinal) && v.Contains("#probe-faint", StringComparison.Ordinal)), all);
    }
}
