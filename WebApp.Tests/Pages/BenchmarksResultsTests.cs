using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using WebApp.Pages;

namespace WebApp.Tests.Pages;

/// <summary>
/// How /benchmarks reads a results folder (<see cref="BenchmarksModel.LoadAsync"/>), without a web host: every field of
/// a chart, the number format, which files are charts, which are named unreadable and which are not results, where
/// each chart goes (a question of <see cref="BenchmarksModel.Answers"/> or "More results") and how a reading is computed.
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
                { "name": "Go peer (Posts=20)", "value": 99.5, "baseline": false, "parameters": "Posts=20", "details": { "p99 (ms)": 3, "extra": "x" } },
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
        Assert.Equal(["WebApp", "Go peer (Posts=20)", "ceiling", "no details", ""], chart.Bars.Select(b => b.Name));
        Assert.Equal(["", "Posts=20", "", "", ""], chart.Bars.Select(b => b.Parameters));
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
    public async Task Load_Folder_ChartsOtherFilesByTitleThenFileNameAndNamesTheUnreadable()
    {
        Write("b.json", """{ "suite": "b", "title": "beta", "results": [] }""");
        Write("a.json", """{ "suite": "a", "title": "Gamma", "results": [] }""");
        Write("B.json", """{ "suite": "B", "title": "Alpha", "results": [] }""");
        Write("c.json", """{ "suite": "c", "title": "beta", "results": [] }""");
        Write("notes.txt", "not a result");
        Write("broken.json", "{ not json");
        Write("noresults.json", """{ "suite": "x" }""");
        Write("noname.json", """{ "results": [ { "value": 1 } ] }""");
        Write("textvalue.json", """{ "results": [ { "name": "x", "value": "fast" } ] }""");
        Write("array.json", "[1, 2]");
        File.CreateSymbolicLink(Path.Combine(_folder, "gone.json"), Path.Combine(_folder, "no-such-target"));

        var view = await BenchmarksModel.LoadAsync(_folder, TestContext.Current.CancellationToken);

        Assert.Empty(view.Questions);
        Assert.Equal(["B", "b", "c", "a"], view.More.Select(c => c.Suite)); // Alpha, beta (b.json, c.json), Gamma
        Assert.Equal(view.More, view.Charts);
        Assert.Equal(["array.json", "broken.json", "gone.json", "noname.json", "noresults.json", "textvalue.json"], view.Unreadable);
    }

    [Fact]
    public async Task Load_CompareFiles_AreNotReadNorNamed()
    {
        Write("compare-loader-async.json", """{ "suite": "compare", "title": "A change's before and after", "results": [] }""");
        Write("compare-broken.json", "{ not json");
        Write("compared.json", """{ "suite": "compared", "results": [] }""");

        var view = await BenchmarksModel.LoadAsync(_folder, TestContext.Current.CancellationToken);

        Assert.Equal(["compared.json"], view.Charts.Select(c => c.File));
        Assert.Empty(view.Unreadable);
    }

    [Fact]
    public void Arrange_QuestionsFollowTheTableNotTheFolder_TheRestIsMoreResults()
    {
        var charts = new[] { "worst-case.json", "fleet.json", "concurrency.json", "render.json", "loadgroup-overhead.json", "load.json", "preload.json" }
            .Select(file => Chart(file, "µs", Bar("x", 1))).ToList();

        var view = BenchmarksModel.Arrange(charts, ["broken.json"]);

        Assert.Equal(["view-engine", "go-design", "loading-strategy", "fleet"], view.Questions.Select(q => q.Question.Id));
        Assert.Equal(["Which view engine?", "WebApp or the Go design?", "Which loading strategy?", "One instance or a fleet?"], view.Questions.Select(q => q.Question.Heading));
        Assert.Equal(["preload.json", "loadgroup-overhead.json", "concurrency.json"], view.Questions[2].Charts.Select(c => c.File));
        Assert.Equal(["worst-case.json"], view.More.Select(c => c.File));
        Assert.Equal(["render.json", "load.json", "preload.json", "loadgroup-overhead.json", "concurrency.json", "fleet.json", "worst-case.json"], view.Charts.Select(c => c.File));
        Assert.Equal(
            ["x renders the profile in 1 µs.", "x serves 1 µs.", "x loads the page in 1 µs.", "x costs 1 µs a page.", "x: 1 µs a render.", "With x, the fleet serves 1 µs."],
            view.Questions.SelectMany(q => q.Charts).Select(c => c.Reading));
        Assert.Null(view.More[0].Reading);
        Assert.Equal(["broken.json"], view.Unreadable);
    }

    [Fact]
    public void Arrange_LoadingStrategiesFile_ReplacesPreloadAndOverheadWhichMoveToMoreResults()
    {
        var charts = new[] { "preload.json", "loading-strategies.json", "concurrency.json", "loadgroup-overhead.json" }
            .Select(file => Chart(file, "requests/s", Bar("x", 1))).ToList();

        var view = BenchmarksModel.Arrange(charts, []);

        var loading = Assert.Single(view.Questions);
        Assert.Equal(["loading-strategies.json", "concurrency.json"], loading.Charts.Select(c => c.File));
        Assert.Equal(["loadgroup-overhead.json", "preload.json"], view.More.Select(c => c.File)); // by title: the file name here
    }

    [Fact]
    public void Arrange_NoQuestionFile_NoSections() =>
        Assert.Empty(BenchmarksModel.Arrange([Chart("worst-case.json", "ms", Bar("x", 1))], ["load.json"]).Questions);

    public static TheoryData<string, BenchmarkReading, BenchmarkBar[], string?> Readings() => new()
    {
        // The subject against the named others, in the named order, in the group asked for.
        {
            "µs", new("{subject} renders the {group} profile in {value}", "Pages", ["Slices", "Component"], "Posts=20"),
            [Bar("Pages (Posts=10)", 1, "Posts=10"), Bar("Pages (Posts=20)", 30.488, "Posts=20"), Bar("Component (Posts=20)", 67.664, "Posts=20"), Bar("Slices (Posts=20)", 27.309, "Posts=20")],
            "Pages renders the 20-post profile in 30.5 µs, 1.12× the time of Slices and 0.45× that of Component."
        },
        // The group asked for is missing: the first row's group.
        { "µs", new("{subject} in {value} ({group})", "Pages", Group: "Posts=20"), [Bar("Pages (Loaders=5)", 2, "Loaders=5"), Bar("Other (Loaders=5)", 4, "Loaders=5"), Bar("Pages (Loaders=9)", 1, "Loaders=9")], "Pages in 2 µs (5-loader), 0.50× the time of Other." },
        // No subject named: the best row, against every other, best first (times: shortest first), three at most.
        { "ms", new("{subject} at {value}"), [Bar("d", 40), Bar("a", 10), Bar("c", 30), Bar("b", 20), Bar("e", 50)], "a at 10 ms, 0.50× the time of b, 0.33× that of c and 0.25× that of d." },
        // Rates: more is better.
        { "requests/s", new("{subject} at {value}"), [Bar("slow", 500), Bar("fast", 1500)], "fast at 1,500 requests/s, 3.00× the throughput of slow." },
        // Summary rows win over the rounds; the unit's remarks are not repeated.
        {
            "requests/s (pgbench: pages/s)", new("{subject} serves {value}", "WebApp", ["Go peer"]),
            [Bar("WebApp (round 1)", 9000), Bar("Go peer (round 1)", 1), Bar("WebApp, median of 3 rounds", 1524.4), Bar("Go peer, median of 3 rounds", 1340.3)],
            "WebApp serves 1,524 requests/s, 1.14× the throughput of Go peer."
        },
        // A named subject that is not there: the best row. Named others that are not there: every other row.
        { "ms", new("{subject} at {value}", "Missing", ["Nobody"]), [Bar("b", 4), Bar("a", 2)], "a at 2 ms, 0.50× the time of b." },
        // Other units compare "the value"; a zero cannot be divided by; one row is only its value.
        { "%", new("{subject}: {value}"), [Bar("Loading", 90), Bar("Zero", 0), Bar("Rendering", 60)], "Loading: 90 %, 1.50× the value of Rendering." },
        { "µs", new("{subject}: {value}"), [Bar("only", 3.14159)], "only: 3.14 µs." },
        { "µs", new("{subject}: {value}"), [], null },
    };

    [Theory]
    [MemberData(nameof(Readings))]
    public void Reading_ComputedFromTheRows(string unit, BenchmarkReading reading, BenchmarkBar[] bars, string? expected) =>
        Assert.Equal(expected, reading.Of(Chart("x.json", unit, bars)));

    [Theory]
    [InlineData("Razor Pages view (Posts=20)", "Posts=20", "Razor Pages view")]
    [InlineData("Razor component (HtmlRenderer) (Posts=20)", "Posts=20", "Razor component (HtmlRenderer)")]
    [InlineData("LoadGroup ()", "", "LoadGroup")]
    [InlineData("WebApp, median of 3 rounds", "", "WebApp")]
    [InlineData("pgbench ceiling, best of 8 and 32 clients", "", "pgbench ceiling")]
    [InlineData("1,000 pages, 10 tasks (Posts=20)", "Posts=20", "1,000 pages, 10 tasks")]
    [InlineData("WebApp (round 1)", "", "WebApp (round 1)")]
    [InlineData("(Posts=20)", "Posts=20", "(Posts=20)")]
    public void Label_DropsTheParametersAndTheSummarysSuffix(string name, string parameters, string label) =>
        Assert.Equal(label, new BenchmarkBar(name, 1, false, parameters, []).Label);

    [Theory]
    [InlineData("render.json", "chart-render")]
    [InlineData("start-up-2.json", "chart-start-up-2")]
    [InlineData("a b.c.json", "chart-a-b-c")]
    public void Id_IsTheFileNameAsAnElementId(string file, string id) => Assert.Equal(id, Chart(file, "ms").Id);

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

    private static BenchmarkBar Bar(string name, double value, string parameters = "") => new(name, value, false, parameters, []);

    private static BenchmarkChart Chart(string file, string unit, params BenchmarkBar[] bars) =>
        new(file, Path.GetFileNameWithoutExtension(file), file, "Mean", unit, "dotnet run", "abc1234", "2026-01-01T00:00:00Z", "cores 2", bars);

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
