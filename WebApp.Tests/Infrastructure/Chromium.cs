using Microsoft.Playwright;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright for .NET (Playwright's own browser download cannot run here).
/// Without a Chromium the browser tests are skipped with a message, except under CI=true, where they fail.
/// </summary>
public static class Chromium
{
    public const string PathVariable = "WEBAPP_CHROMIUM";
    public const string ScreenshotsVariable = "WEBAPP_SCREENSHOTS";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    public static string ExecutablePath => Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : "/usr/bin/chromium";

    /// <summary>Where screenshots go: <c>WEBAPP_SCREENSHOTS</c>, else TestResults/screenshots beside the test assembly.</summary>
    public static string ScreenshotFolder =>
        Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            var message = $"Chromium not found at {ExecutablePath}: install it (apt-get install chromium) or set {PathVariable}.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message + " (CI=true: browser tests must run.)");
            }

            Assert.Skip(message);
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Args,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

/// <summary>
/// Watches one browser tab for what a visitor would notice or a developer should: console errors,
/// script errors, failed requests, error responses and Content-Security-Policy violations (recorded by
/// an init script into <c>window.__cspViolations</c>; init scripts run outside the page's CSP).
/// </summary>
public sealed class PageWatcher
{
    public const string CspRecorder =
        "window.__cspViolations = [];" +
        "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));";

    private readonly List<string> _problems = [];
    private readonly Lock _lock = new();

    public PageWatcher(IPage page)
    {
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning" || message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Add($"page error: {error}");
        page.RequestFailed += (_, request) => Add($"request failed: {request.Url} ({request.Failure})");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Add($"{response.Status} for {response.Request.ResourceType} {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Fails with every problem seen since the last check, CSP violations included, naming the step.</summary>
    public async Task AssertCleanAsync(string step)
    {
        var violations = await Page.EvaluateAsync<string[]>("() => window.__cspViolations || []");
        List<string> problems;
        lock (_lock)
        {
            problems = [.. _problems, .. violations.Select(v => "CSP violation: " + v)];
            _problems.Clear();
        }

        Assert.True(problems.Count == 0, $"{step} ({Page.Url}):\n" + string.Join("\n", problems));
    }

    private void Add(string problem)
    {
        lock (_lock)
        {
            _problems.Add(problem);
        }
    }
}
