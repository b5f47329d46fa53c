using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using WebApp.Pages;

namespace WebApp.Tests.Pages;

/// <summary>
/// How /benchmarks reads a results folder (<see cref="BenchmarksModel.LoadAsync"/>), without a web host: every field of
/// a chart, the number format, and which files are charts, which are named unreadable and which are not results.
/// </summary>
public sealed class BenchmarksResultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("webapp-bench-unit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Load_FullFile_ReadsEveryFieldOfTheChart()
    {
        Write("load.json", """
            {
              "suite": "load", "title": "Throughput", "metric": "Requests", "unit": "req/s", "command": "scripts/load.sh",
              "commit": "abc1234", "createdAt": "2026-01-01T00:00:00Z",
              "machine": { "cores": 2, "cpu": "Xeon", "note": null, "quiet": true },
              "results": [
                { "name": "WebApp", "value": 1234.5, "baseline": true,
                  "details": { "p99 (ms)": 42.125, "errors": 0, "label": "warm", "missing": null, "big": 12345.67 } },
                { "name": "Go peer", "value": 99.5, "baseline": false, "details": { "p99 (ms)": 3, "extra": "x" } },
                { "name": "ceiling", "value": 0.25, "baseline": "true" },
                { "name": "no details", "value": 2, "details": [1, 2] },
                { "name": null, "value": 1 }
              ]
            }
            """);

        var view = await BenchmarksModel.LoadAsync(_folder, TestContext.Current.CancellationToken);

        Assert.Empty(view.Unreadable);
        var chart = Assert.Single(view.Charts);
        Assert.Equal(
            ("load.json", "load", "Throughput", "Requests", "req/s", "scripts/load.sh", "abc1234", "2026-01-01T00:00:00Z"),
            (chart.File, chart.Suite, chart.Title, chart.Metric, chart.Unit, chart.Command, chart.Commit, chart.CreatedAt));
        Assert.Equal("cores 2, cpu Xeon, quiet True", chart.Machine);
        Assert.Equal(["WebApp", "Go peer", "ceiling", "no details", ""], chart.Bars.Select(b => b.Name));
        Assert.Equal([1234.5, 99.5, 0.25, 2, 1], chart.Bars.Select(b => b.Value));
        Assert.Equal([true, false, false, false, false], chart.Bars.Select(b => b.Baseline));
        Assert.Equal(
            [KeyValuePair.Create("p99 (ms)", "42.125"), KeyValuePair.Create("errors", "0"), KeyValuePair.Create("label", "warm"),
             KeyValuePair.Create("missing", ""), KeyValuePair.Create("big", "12,345.7")],
            chart.Bars[0].Details);
        Assert.Empty(chart.Bars[3].Details);
        Assert.Equal(["p99 (ms)", "errors", "label", "missing", "big", "extra"], chart.DetailColumns);
        Assert.Equal(1234.5, chart.Max);
    }

    [Fact]
    public async Task Load_OnlyRequiredFields_LeavesTheOthersEmpty()
    {
        Write("bare.json", """{ "title": 5, "machine": "a string", "results": [] }""");

        var chart = Assert.Single((await BenchmarksModel.LoadAsync(_folder, TestContext.Current.CancellationToken)).Charts);

        Assert.Equal(("", "", "", "", "", "", "", ""), (chart.Suite, chart.Title, chart.Metric, chart.Unit, chart.Command, chart.Commit, chart.CreatedAt, chart.Machine));
        Assert.Empty(chart.Bars);
        Assert.Empty(chart.DetailColumns);
        Assert.Equal(0, chart.Max);
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(99.9999, "100")]
    [InlineData(12.3456, "12.346")]
    [InlineData(100, "100")]
    [InlineData(100.25, "100.3")]
    [InlineData(1234567.89, "1,234,567.9")]
    [InlineData(-3.5, "-3.5")]
    public void Number_BelowAHundredKeepsThreeDecimalsAboveItOne(double value, string shown) =>
        Assert.Equal(shown, BenchmarkChart.Number(value));

    [Fact]
    public async Task Load_Folder_ChartsTheJsonFilesInOrdinalOrderAndNamesTheUnreadable()
    {
        Write("b.json", """{ "suite": "b", "results": [] }""");
        Write("a.json", """{ "suite": "a", "results": [] }""");
        Write("B.json", """{ "suite": "B", "results": [] }""");
        Write("notes.txt", "not a result");
        Write("broken.json", "{ not json");
        Write("noresults.json", """{ "suite": "x" }""");
        Write("noname.json", """{ "results": [ { "value": 1 } ] }""");
        Write("textvalue.json", """{ "results": [ { "name": "x", "value": "fast" } ] }""");
        Write("array.json", "[1, 2]");
        File.CreateSymbolicLink(Path.Combine(_folder, "gone.json"), Path.Combine(_folder, "no-such-target"));

        var view = await BenchmarksModel.LoadAsync(_folder, TestContext.Current.CancellationToken);

        Assert.Equal(["B", "a", "b"], view.Charts.Select(c => c.Suite));
        Assert.Equal(["array.json", "broken.json", "gone.json", "noname.json", "noresults.json", "textvalue.json"], view.Unreadable);
    }

    [Fact]
    public async Task Load_MissingFolder_IsNoResults()
    {
        var view = await BenchmarksModel.LoadAsync(Path.Combine(_folder, "absent"), TestContext.Current.CancellationToken);

        Assert.Empty(view.Charts);
        Assert.Empty(view.Unreadable);
    }

    [Fact]
    public async Task Load_CancelledToken_Throws()
    {
        Write("a.json", """{ "suite": "a", "results": [] }""");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BenchmarksModel.LoadAsync(_folder, new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void ResultsFolder_Unset_IsTheCopyBesideTheApp(string? configured) =>
        Assert.Equal(
            Path.Combine(AppContext.BaseDirectory, "benchmarks", "results"),
            new BenchmarksOptions { ResultsPath = configured }.ResultsFolder(new Environment(_folder)));

    [Fact]
    public void ResultsFolder_Relative_IsUnderTheContentRoot() =>
        Assert.Equal(
            Path.Combine(_folder, "data", "results"),
            new BenchmarksOptions { ResultsPath = "data/../data/results" }.ResultsFolder(new Environment(_folder)));

    private void Write(string file, string text) => File.WriteAllText(Path.Combine(_folder, file), text);

    private sealed class Environment(string root) : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = root;
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ApplicationName { get; set; } = "WebApp";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = root;
        public string EnvironmentName { get; set; } = "Test";
    }
}
