using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebApp.Data;
using WebApp.Tests.Infrastructure;
using WebApp.Tools;

namespace WebApp.Tests.Pages;

public sealed class BenchmarksPageTests
{
    [Fact]
    public async Task Benchmarks_ResultFiles_ShowOneChartPerFileWithItsNumbers()
    {
        var folder = Directory.CreateTempSubdirectory("webapp-bench-results-").FullName;
        try
        {
            await WriteAsync(folder, "render.json", "render", "µs", [("Razor Pages view (Posts=20)", 41.25, true), ("RazorSlices template (Posts=20)", 9.5, false)]);
            await WriteAsync(folder, "load.json", "load", "requests/s", [("LoadGroup, unbounded", 3120.4, true), ("LoadGroup, MaxConcurrency=1", 2010, false), ("<script>x</script>", 1, false)]);
            await File.WriteAllTextAsync(Path.Combine(folder, "broken.json"), "{ not json", TestContext.Current.CancellationToken);
            await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With("Benchmarks:ResultsPath", folder).StartAsync();

            var page = await HtmlPage.GetAsync(factory.CreateClient(), "/benchmarks", TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Equal(["load.json", "render.json"], page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
            var render = page.Required("#chart-render");
            Assert.Equal(["Razor Pages view (Posts=20) (baseline)", "RazorSlices template (Posts=20)"], render.QuerySelectorAll("svg .bar-label").Select(HtmlPage.Text));
            Assert.Equal(["41.25 µs", "9.5 µs"], render.QuerySelectorAll("svg .bar-value").Select(HtmlPage.Text));
            var load = page.Required("#chart-load");
            Assert.Equal(["3,120.4 requests/s", "2,010 requests/s", "1 requests/s"], load.QuerySelectorAll("svg .bar-value").Select(HtmlPage.Text));
            Assert.Equal("<script>x</script>", HtmlPage.Text(load.QuerySelectorAll("svg .bar-label")[2])); // text, not markup
            Assert.Empty(page.All("svg script"));
            // Bars are drawn to scale: the largest fills the chart's bar room, the others in proportion.
            var widths = load.QuerySelectorAll("svg .bar-rect").Select(r => double.Parse(r.GetAttribute("width")!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(2010 / 3120.4, widths[1] / widths[0], 2);
            Assert.Contains("cores 2", page.Text("#chart-render .bench-machine"), StringComparison.Ordinal);
            Assert.Contains("broken.json", page.Text("#unreadable"), StringComparison.Ordinal);
            Assert.DoesNotContain(folder, page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
            Assert.Empty(page.All("[style]"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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
        var html = page.Document.DocumentElement.OuterHtml;
        Assert.DoesNotContain(folder, html, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Benchmarks_FilesThatCannotBeOpenedOrParsed_NamedByFileNameOnly()
    {
        var folder = Directory.CreateTempSubdirectory("webapp-bench-unreadable-").FullName;
        try
        {
            await WriteAsync(folder, "render.json", "render", "µs", [("Razor Pages view", 41.25, true)]);
            // Opening it fails even for root (the tests run as root, so file modes would not stop a read).
            File.CreateSymbolicLink(Path.Combine(folder, "gone.json"), Path.Combine(folder, "no-such-target"));
            await File.WriteAllTextAsync(Path.Combine(folder, "shape.json"), """{ "results": [ { "name": "x", "value": "fast" } ] }""", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "array.json"), "[1, 2]", TestContext.Current.CancellationToken);
            Directory.CreateDirectory(Path.Combine(folder, "folder.json"));
            await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With("Benchmarks:ResultsPath", folder).StartAsync();

            var page = await HtmlPage.GetAsync(factory.CreateClient(), "/benchmarks", TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Equal(["render.json"], page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
            Assert.Equal(["array.json", "gone.json", "shape.json"], page.All("#unreadable li").Select(HtmlPage.Text));
            Assert.DoesNotContain(folder, page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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
    public async Task Benchmarks_DefaultPath_ShowsTheCommittedResults()
    {
        var committed = Path.Combine(Repository.Root, "benchmarks", "results");
        var files = Directory.Exists(committed) ? Directory.GetFiles(committed, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList() : [];

        var client = await Sites.ClientAsync(DatabaseProvider.Sqlite);
        var page = await HtmlPage.GetAsync(client, "/benchmarks", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(files, page.All("figure.bench-chart").Select(f => f.GetAttribute("data-file")));
    }

    private static async Task WriteAsync(string folder, string file, string suite, string unit, (string Name, double Value, bool Baseline)[] rows)
    {
        var results = new JsonArray();
        foreach (var (name, value, baseline) in rows)
        {
            results.Add(new JsonObject { ["name"] = name, ["value"] = value, ["baseline"] = baseline, ["details"] = new JsonObject { ["Ratio"] = 1.0 } });
        }

        var document = new JsonObject
        {
            ["suite"] = suite,
            ["title"] = suite + " title",
            ["metric"] = "Mean",
            ["unit"] = unit,
            ["command"] = "dotnet run",
            ["commit"] = "abc1234",
            ["createdAt"] = "2026-01-01T00:00:00Z",
            ["machine"] = new JsonObject { ["cores"] = 2, ["cpu"] = "test" },
            ["results"] = results,
        };
        await File.WriteAllTextAsync(Path.Combine(folder, file), document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), TestContext.Current.CancellationToken);
    }
}
