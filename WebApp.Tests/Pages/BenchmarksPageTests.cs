using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using WebApp.Data;
using WebApp.Tests.Infrastructure;
using WebApp.Tools;

namespace WebApp.Tests.Pages;

/// <summary>
/// /benchmarks as a visitor gets it: the questions in their order, each chart with the reading computed from its file,
/// the other files under "More results", a change's before and after (compare-*.json) left out, the unreadable named;
/// valid HTML, and nothing wider than the window at 375 and 1280 px.
/// </summary>
public sealed class BenchmarksPageTests : IDisposable
{
    private static readonly string[] QuestionHeadings = ["Which view engine?", "WebApp or the Go design?", "Which loading strategy?", "One instance or a fleet?", "Does it hold over time?"];

    private readonly string _folder = Directory.CreateTempSubdirectory("webapp-bench-results-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Benchmarks_ResultFiles_ShowOneChartPerFileWithItsNumbers()
    {
        await WriteAsync("render.json", "µs", [new("Razor Pages view (Posts=20)", 41.25, true, "Posts=20"), new("RazorSlices template (Posts=20)", 9.5, Parameters: "Posts=20")]);
        await WriteAsync("load.json", "requests/s", [new("LoadGroup, unbounded", 3120.4, true), new("LoadGroup, MaxConcurrency=1", 2010), new("<script>x</script>", 1)]);
        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.json"), "{ not json", TestContext.Current.CancellationToken);

        var page = await GetAsync();

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["render.json", "load.json"], page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
        var render = page.Required("#chart-render");
        Assert.Equal(["Razor Pages view (Posts=20) (baseline)", "RazorSlices template (Posts=20)"], render.QuerySelectorAll(".bench-bar-label").Select(HtmlPage.Text));
        Assert.Equal(["41.25 µs", "9.5 µs"], render.QuerySelectorAll(".bench-bar-value").Select(HtmlPage.Text));
        var load = page.Required("#chart-load");
        Assert.Equal(["3,120.4 requests/s", "2,010 requests/s", "1 requests/s"], load.QuerySelectorAll(".bench-bar-value").Select(HtmlPage.Text));
        Assert.Equal("<script>x</script>", HtmlPage.Text(load.QuerySelectorAll(".bench-bar-label")[2])); // text, not markup
        Assert.Empty(page.All("main script"));
        // Bars are drawn to scale: the largest fills its track, the others in proportion; the tracks are decoration.
        var widths = load.QuerySelectorAll(".bench-bar-track .bench-bar-rect").Select(r => double.Parse(r.GetAttribute("width")!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(1000, widths[0]);
        Assert.Equal(2010 / 3120.4, widths[1] / widths[0], 2);
        Assert.All(load.QuerySelectorAll("svg.bench-bar-track"), svg => Assert.Equal("true", svg.GetAttribute("aria-hidden")));
        Assert.Contains("cores 2", page.Text("#chart-render .bench-machine"), StringComparison.Ordinal);
        Assert.Equal("dotnet run", page.Text("#chart-render .bench-command"));
        Assert.Equal("2026-01-01T00:00:00Z, commit abc1234", page.Text("#chart-render .bench-date"));
        Assert.Contains("broken.json", page.Text("#unreadable"), StringComparison.Ordinal);
        Assert.DoesNotContain(_folder, page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Empty(page.All("[style]"));
    }

    [Fact]
    public async Task Benchmarks_EveryQuestionFile_SectionsInQuestionOrderThenMoreResultsByTitle()
    {
        // Written in another order than the page's, with titles that sort against the file names.
        await WriteAsync("worst-case.json", "ms", [new("/users", 3)], title: "B worst case");
        await WriteAsync("fleet.json", "requests/s", [new("1 instance behind nginx", 100, true), new("3 instances behind nginx", 250)]);
        await WriteAsync("concurrency.json", "µs", [new("1,000 pages, one task (Posts=20)", 100, true, "Posts=20"), new("1,000 pages, 10 tasks (Posts=20)", 80, Parameters: "Posts=20")]);
        await WriteAsync("a-start-up.json", "requests/s", [new("shipped", 1)], title: "C start-up");
        await WriteAsync("load.json", "requests/s", [new("WebApp, median of 3 rounds", 2000), new("Go peer, median of 3 rounds", 1000, true)]);
        await WriteAsync("preload.json", "ms", [new("sequential awaits ()", 150, true, ""), new("LoadGroup ()", 75, Parameters: "")]);
        await WriteAsync("render.json", "µs", [new("Razor Pages view (Posts=20)", 30, true, "Posts=20")]);
        await WriteAsync("loadgroup-overhead.json", "µs", [new("Task.WhenAll (Loaders=5)", 3, true, "Loaders=5"), new("LoadGroup (Loaders=5)", 12, Parameters: "Loaders=5")]);
        await WriteAsync("mutation.json", "%", [new("Loading", 90)], title: "A mutation score");
        await WriteAsync("soak.json", "%", [new("fleet, p99", 80), new("embedded, p99", 85)]);

        var page = await GetAsync();

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal([.. QuestionHeadings, "More results"], page.All("main h2").Select(HtmlPage.Text));
        Assert.Equal(["q-view-engine", "q-go-design", "q-loading-strategy", "q-fleet", "q-soak", "more-results"], page.All("main > section").Select(s => s.Id));
        Assert.Equal(["render.json"], Files(page, "#q-view-engine"));
        Assert.Equal(["load.json"], Files(page, "#q-go-design"));
        Assert.Equal(["preload.json", "loadgroup-overhead.json", "concurrency.json"], Files(page, "#q-loading-strategy"));
        Assert.Equal(["fleet.json"], Files(page, "#q-fleet"));
        Assert.Equal(["soak.json"], Files(page, "#q-soak"));
        Assert.Equal(["mutation.json", "worst-case.json", "a-start-up.json"], Files(page, "#more-results"));
        // Each question's chart says what it answers; the other results are drawn without a reading.
        Assert.Equal(7, page.All(".bench-question .bench-chart .bench-reading").Count);
        Assert.Empty(page.All("#more-results .bench-reading"));
        // Headings in order: h1, a question's h2, its charts' h3.
        Assert.Equal(["H1", "H2", "H3", "H2", "H3", "H2", "H3", "H3", "H3", "H2", "H3", "H2", "H3", "H2", "H3", "H3", "H3"], page.All("main h1, main h2, main h3").Select(h => h.TagName));
    }

    [Fact]
    public async Task Benchmarks_Readings_AreComputedFromEachFilesRows()
    {
        await WriteAsync("render.json", "µs",
        [
            new("Razor Pages view (Posts=10)", 20, true, "Posts=10"), new("RazorSlices template (Posts=10)", 10, Parameters: "Posts=10"),
            new("Razor Pages view (Posts=20)", 40, true, "Posts=20"), new("Razor component (HtmlRenderer) (Posts=20)", 80, Parameters: "Posts=20"),
            new("RazorSlices template (Posts=20)", 25, Parameters: "Posts=20"),
        ]);
        await WriteAsync("load.json", "requests/s (pgbench: pages/s)",
        [
            new("WebApp (round 1)", 1900), new("Go peer (round 1)", 1100, true), new("pgbench ceiling, 8 clients", 8000, true),
            new("WebApp, median of 3 rounds", 2000), new("Go peer, median of 3 rounds", 1000, true), new("pgbench ceiling, best of 8 and 32 clients", 8000, true),
        ]);
        await WriteAsync("preload.json", "ms", [new("sequential awaits (20+50+80 ms) ()", 150, true, ""), new("Task.WhenAll ()", 80, Parameters: ""), new("LoadGroup ()", 80.8, Parameters: "")]);
        await WriteAsync("fleet.json", "requests/s", [new("1 instance behind nginx", 100, true), new("3 instances behind nginx", 250)]);

        var page = await GetAsync();

        Assert.Equal(
            "Razor Pages view renders the 20-post profile in 40 µs, 1.60× the time of RazorSlices template and 0.50× that of Razor component (HtmlRenderer).",
            page.Text("#chart-render .bench-reading"));
        Assert.Equal("WebApp serves 2,000 requests/s, 2.00× the throughput of Go peer and 0.25× that of pgbench ceiling.", page.Text("#chart-load .bench-reading"));
        Assert.Equal("LoadGroup loads the page in 80.8 ms, 0.54× the time of sequential awaits (20+50+80 ms) and 1.01× that of Task.WhenAll.", page.Text("#chart-preload .bench-reading"));
        Assert.Equal("With 3 instances behind nginx, the fleet serves 250 requests/s, 2.50× the throughput of 1 instance behind nginx.", page.Text("#chart-fleet .bench-reading"));
    }

    [Fact]
    public async Task Benchmarks_SoakFile_AnswersWhetherItHoldsOverTimeWithTheFigureNearestItsLimit()
    {
        // The shape of scripts/soak.sh's rows: each figure's last ten minutes as % of its limit, fleet and embedded.
        await WriteAsync("soak.json", "%",
        [
            new("fleet, p99", 92.4), new("fleet, instance 1: working set", 88.1), new("fleet, instance 2: pooled connections", 52.6),
            new("embedded, GC heap after a collection", 97.5), new("embedded, threads", 90.9),
        ]);

        var page = await GetAsync();

        Assert.Equal(["Does it hold over time?"], page.All("main h2").Select(HtmlPage.Text));
        Assert.Equal(["soak.json"], Files(page, "#q-soak"));
        // The rows are not alternatives to one another: the reading names the nearest to failing and compares none.
        Assert.Equal(
            "Nearest its limit: embedded, GC heap after a collection, its last ten minutes' mean at 97.5 % of the limit.",
            page.Text("#q-soak #chart-soak .bench-reading"));
        Assert.Equal(5, page.Required("#chart-soak").QuerySelectorAll(".bench-bar").Length);
    }

    [Fact]
    public async Task Benchmarks_LoadingStrategiesFile_AnswersInsteadOfPreloadAndOverhead()
    {
        // The shape of load.sh's ROUND_TRIPS rows: the p50 of each strategy, per round trip and visitors.
        await WriteAsync("loading-strategies.json", "ms", [
            new("Sequential (2 ms, 4 visitors)", 9.6, Parameters: "2 ms, 4 visitors"), new("Concurrent (2 ms, 4 visitors)", 5.12, Parameters: "2 ms, 4 visitors"),
            new("Batch (2 ms, 4 visitors)", 3.2, Parameters: "2 ms, 4 visitors"), new("Go peer (2 ms, 4 visitors)", 8, Baseline: true, Parameters: "2 ms, 4 visitors"),
            new("Batch (0 ms, 1 visitor)", 0.8, Parameters: "0 ms, 1 visitor"), new("Concurrent (0 ms, 1 visitor)", 0.7, Parameters: "0 ms, 1 visitor")]);
        await WriteAsync("preload.json", "ms", [new("LoadGroup ()", 80, Parameters: "")]);
        await WriteAsync("loadgroup-overhead.json", "µs", [new("LoadGroup (Loaders=5)", 12, Parameters: "Loaders=5")]);
        await WriteAsync("concurrency.json", "µs", [new("1,000 pages, 10 tasks (Posts=20)", 80, Parameters: "Posts=20")]);

        var page = await GetAsync();

        Assert.Equal(["Which loading strategy?", "More results"], page.All("main h2").Select(HtmlPage.Text));
        Assert.Equal(["loading-strategies.json", "concurrency.json"], Files(page, "#q-loading-strategy"));
        Assert.Equal(["loadgroup-overhead.json", "preload.json"], Files(page, "#more-results"));
        Assert.Equal(
            "Batch loads the profile in 3.2 ms at the median (2 ms, 4 visitors), 0.63× the time of Concurrent, 0.33× that of Sequential and 0.40× that of Go peer.",
            page.Text("#chart-loading-strategies .bench-reading"));
    }

    [Fact]
    public async Task Benchmarks_CompareFiles_AreNotOnThePage()
    {
        await WriteAsync("compare-pager-markup.json", "requests/s", [new("before (round 1)", 1000, true), new("after (round 1)", 1100)], title: "A change's before and after");
        await File.WriteAllTextAsync(Path.Combine(_folder, "compare-broken.json"), "{ not json", TestContext.Current.CancellationToken);
        await WriteAsync("render.json", "µs", [new("Razor Pages view (Posts=20)", 30, true, "Posts=20")]);

        var page = await GetAsync();

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["render.json"], page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
        Assert.DoesNotContain("before and after", page.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("compare-", page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Empty(page.All("#unreadable")); // not read at all, so not "unreadable" either
    }

    [Fact]
    public async Task Benchmarks_MissingQuestionFiles_TheirSectionsAreNotShown()
    {
        await WriteAsync("fleet.json", "requests/s", [new("1 instance behind nginx", 100, true)]);
        await WriteAsync("render.json", "µs", [new("Razor Pages view (Posts=20)", 30, true, "Posts=20")]);

        var page = await GetAsync();

        Assert.Equal(["Which view engine?", "One instance or a fleet?"], page.All("main h2").Select(HtmlPage.Text));
        Assert.Empty(page.All("#q-go-design, #q-loading-strategy, #more-results, #no-results"));
        Assert.DoesNotContain("not measured", page.Document.Body!.TextContent, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Benchmarks_MissingFolder_SaysSoWithoutPrintingAPath()
    {
        var folder = Path.Combine(Path.GetTempPath(), "webapp-no-such-results-" + Guid.NewGuid().ToString("N"));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With("Benchmarks:ResultsPath", folder).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/benchmarks", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("No benchmark results yet.", page.Text("#no-results"));
        Assert.Empty(page.All("figure.bench-chart"));
        Assert.Empty(page.All("main section"));
        var html = page.Document.DocumentElement.OuterHtml;
        Assert.DoesNotContain(folder, html, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Benchmarks_FilesThatCannotBeOpenedOrParsed_NamedByFileNameOnly()
    {
        await WriteAsync("render.json", "µs", [new("Razor Pages view", 41.25, true)]);
        // Opening it fails even for root (the tests run as root, so file modes would not stop a read).
        File.CreateSymbolicLink(Path.Combine(_folder, "gone.json"), Path.Combine(_folder, "no-such-target"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "shape.json"), """{ "results": [ { "name": "x", "value": "fast" } ] }""", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_folder, "array.json"), "[1, 2]", TestContext.Current.CancellationToken);
        // A question's file that cannot be read: named, and its question is not shown.
        await File.WriteAllTextAsync(Path.Combine(_folder, "load.json"), """{ "results": "none" }""", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_folder, "folder.json"));

        var page = await GetAsync();

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["render.json"], page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
        Assert.Equal(["array.json", "gone.json", "load.json", "shape.json"], page.All("#unreadable li").Select(HtmlPage.Text));
        Assert.Empty(page.All("#q-go-design"));
        Assert.DoesNotContain(_folder, page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void Benchmarks_Results_AreCopiedIntoBuildAndPublishOutput()
    {
        // The default results folder is the copy beside the app's binaries, so a publish folder has it too.
        var project = System.Xml.Linq.XDocument.Load(Path.Combine(Repository.Root, "WebApp", "WebApp.csproj"));
        var items = project.Descendants("Content").Concat(project.Descendants("None"))
            .Where(i => (string?)i.Attribute("Include") is { } include && include.Replace('\\', '/').Contains("benchmarks/results/", StringComparison.Ordinal))
            .ToList();

        var item = Assert.Single(items);
        Assert.Equal("benchmarks/results/%(Filename)%(Extension)", ((string?)item.Attribute("Link") ?? item.Element("Link")?.Value)?.Replace('\\', '/'));
        Assert.Equal("PreserveNewest", (string?)item.Attribute("CopyToPublishDirectory") ?? item.Element("CopyToPublishDirectory")?.Value);
        Assert.Equal("PreserveNewest", (string?)item.Attribute("CopyToOutputDirectory") ?? item.Element("CopyToOutputDirectory")?.Value);
        var shipped = Path.Combine(AppContext.BaseDirectory, "benchmarks", "results");
        Assert.Equal(
            Directory.GetFiles(Path.Combine(Repository.Root, "benchmarks", "results"), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(shipped, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Benchmarks_DefaultPath_ShowsTheCommittedResultsButTheCompareFiles()
    {
        var committed = Path.Combine(AppContext.BaseDirectory, "benchmarks", "results");
        var files = Directory.GetFiles(committed, "*.json").Select(f => Path.GetFileName(f)!).ToList();
        Assert.Contains(files, f => f.StartsWith("compare-", StringComparison.Ordinal)); // the case this test is about

        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var page = await HtmlPage.GetAsync(client, "/benchmarks", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var shown = page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")!).ToList();
        Assert.Equal(files.Where(f => !f.StartsWith("compare-", StringComparison.Ordinal)).Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal));
        Assert.Equal([.. QuestionHeadings, "More results"], page.All("main h2").Select(HtmlPage.Text));
        Assert.StartsWith("Razor Pages view renders the 20-post profile in ", page.Text("#chart-render .bench-reading"), StringComparison.Ordinal);
        Assert.StartsWith("WebApp serves ", page.Text("#chart-load .bench-reading"), StringComparison.Ordinal);
        Assert.All(page.All(".bench-question .bench-chart"), chart => Assert.Single(chart.QuerySelectorAll(".bench-reading")));
        Assert.Equal(page.All("[id]").Count, page.All("[id]").Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Benchmarks_CommittedResults_PassTheNuHtmlChecker()
    {
        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var html = await client.GetStringAsync("/benchmarks", TestContext.Current.CancellationToken);
        var file = Path.Combine(_folder, "benchmarks.html");
        await File.WriteAllTextAsync(file, html, TestContext.Current.CancellationToken);

        var findings = await NuHtmlChecker.CheckAsync([file], TestContext.Current.CancellationToken);

        Assert.True(findings.Count == 0, $"The Nu Html Checker found {findings.Count} problem(s) in /benchmarks:\n" + string.Join('\n', findings));
    }

    [Theory]
    [InlineData(375)]
    [InlineData(1280)]
    public async Task Benchmarks_InABrowser_NothingRunsPastTheRightEdgeAndWideTablesScrollInALabelledBox(int width)
    {
        // The committed results, and a file of long unbroken words and many columns.
        foreach (var committed in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "benchmarks", "results"), "*.json"))
        {
            File.Copy(committed, Path.Combine(_folder, Path.GetFileName(committed)));
        }

        var word = string.Concat(Enumerable.Repeat("Unbroken", 30));
        var details = new JsonObject();
        for (var i = 0; i < 30; i++)
        {
            details[$"column number {i} (ms)"] = 12345.678 + i;
        }

        await WriteAsync("wide.json", "requests/s", [new(word, 10, Details: details), new("short", 5, Details: (JsonObject)details.DeepClone())], title: "Wide " + word);
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithoutPageViews().With("Benchmarks:ResultsPath", _folder).OnKestrel().StartAsync();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
        });
        context.SetDefaultTimeout(60_000); // the machine's two cores are shared with other builds
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync("/benchmarks");

        Assert.Equal(200, response!.Status);
        var shape = await page.EvaluateAsync<Shape>("""
            () => {
              const all = [...document.querySelectorAll('main *')];
              const scrolling = all.filter(e => getComputedStyle(e).overflowX === 'auto' && e.scrollWidth > e.clientWidth);
              const label = e => (e.getAttribute('aria-labelledby') || '').split(' ').map(id => document.getElementById(id)?.textContent ?? '').join('').trim();
              return {
                overflow: document.documentElement.scrollWidth - window.innerWidth,
                pastEdge: all.filter(e => !e.closest('.bench-scroll') && e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.tagName + '.' + e.className).slice(0, 5),
                unreachable: scrolling.filter(e => !e.classList.contains('bench-scroll') || e.tabIndex !== 0 || e.getAttribute('role') !== 'region' || label(e) === '').map(e => e.tagName + '.' + e.className),
                wideScrolls: document.querySelector('#chart-wide .bench-scroll').scrollWidth > document.querySelector('#chart-wide .bench-scroll').clientWidth,
              };
            }
            """);
        Assert.True(shape.Overflow <= 0, $"at {width}px the page is {shape.Overflow}px wider than the viewport");
        Assert.True(shape.PastEdge.Length == 0, $"at {width}px past the right edge: {string.Join(", ", shape.PastEdge)}");
        Assert.True(shape.WideScrolls, "the wide table does not scroll inside its box");
        Assert.True(shape.Unreachable.Length == 0, $"scrolling boxes without tabindex=0, role=region or a label: {string.Join(", ", shape.Unreachable)}");
        var violations = await AccessibilityAudit.ViolationsAsync(page);
        Assert.True(violations.Count == 0, $"axe-core at {width}px:\n" + string.Join('\n', violations));
    }

    private async Task<HtmlPage> GetAsync()
    {
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With("Benchmarks:ResultsPath", _folder).StartAsync();
        return await HtmlPage.GetAsync(factory.CreateClient(), "/benchmarks", TestContext.Current.CancellationToken);
    }

    private static IEnumerable<string?> Files(HtmlPage page, string section) =>
        page.Required(section).QuerySelectorAll("figure.bench-chart").Select(f => f.GetAttribute("data-file"));

    private async Task WriteAsync(string file, string unit, Row[] rows, string? title = null)
    {
        var results = new JsonArray();
        foreach (var row in rows)
        {
            var result = new JsonObject { ["name"] = row.Name, ["value"] = row.Value, ["baseline"] = row.Baseline, ["details"] = row.Details ?? new JsonObject { ["Ratio"] = 1.0 } };
            if (row.Parameters is not null)
            {
                result["parameters"] = row.Parameters;
            }

            results.Add(result);
        }

        var suite = Path.GetFileNameWithoutExtension(file);
        var document = new JsonObject
        {
            ["suite"] = suite,
            ["title"] = title ?? suite + " title",
            ["metric"] = "Mean",
            ["unit"] = unit,
            ["command"] = "dotnet run",
            ["commit"] = "abc1234",
            ["createdAt"] = "2026-01-01T00:00:00Z",
            ["machine"] = new JsonObject { ["cores"] = 2, ["cpu"] = "test" },
            ["results"] = results,
        };
        await File.WriteAllTextAsync(Path.Combine(_folder, file), document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), TestContext.Current.CancellationToken);
    }

    private sealed record Row(string Name, double Value, bool Baseline = false, string? Parameters = null, JsonObject? Details = null);

    // A class with setters: Playwright fills results through a parameterless constructor.
    private sealed class Shape
    {
        public double Overflow { get; set; }
        public string[] PastEdge { get; set; } = [];
        public string[] Unreachable { get; set; } = [];
        public bool WideScrolls { get; set; }
    }
}
