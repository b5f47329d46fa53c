using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Upfront.Loading;

namespace WebApp.Pages;

/// <summary>Bound from <c>Benchmarks</c>: where the committed benchmark results are.</summary>
public sealed class BenchmarksOptions
{
    public const string Section = "Benchmarks";

    /// <summary>
    /// A folder of result JSON files; relative paths are under the content root. Unset: the results that
    /// ship with the app (benchmarks/results beside WebApp.dll, copied there by the build and the publish).
    /// </summary>
    public string? ResultsPath { get; set; }

    internal string ResultsFolder(IWebHostEnvironment environment) => string.IsNullOrWhiteSpace(ResultsPath)
        ? Path.Combine(AppContext.BaseDirectory, "benchmarks", "results")
        : Path.GetFullPath(Path.Combine(environment.ContentRootPath, ResultsPath));
}

/// <summary>
/// One row of a results file. <see cref="Label"/> is its name without the parameters BenchmarkDotNet appends
/// (<c>" (Posts=20)"</c>, <c>" ()"</c>) and without a summary's <c>", median of …"</c> or <c>", best of …"</c>.
/// </summary>
public sealed record BenchmarkBar(string Name, double Value, bool Baseline, string Parameters, IReadOnlyList<KeyValuePair<string, string>> Details)
{
    private static readonly string[] SummaryMarks = [", median of ", ", best of "];

    /// <summary>A row that sums up several runs (load.sh's medians and best ceilings).</summary>
    public bool IsSummary => SummaryMarks.Any(mark => Name.Contains(mark, StringComparison.Ordinal));

    public string Label
    {
        get
        {
            var label = Name;
            var suffix = $" ({Parameters})";
            if (label.EndsWith(suffix, StringComparison.Ordinal) && label.Length > suffix.Length)
            {
                label = label[..^suffix.Length];
            }

            foreach (var mark in SummaryMarks)
            {
                var at = label.IndexOf(mark, StringComparison.Ordinal);
                if (at > 0)
                {
                    label = label[..at];
                }
            }

            return label;
        }
    }
}

/// <summary>One results file: a chart of its rows' values, with what they were measured on.</summary>
public sealed record BenchmarkChart(
    string File,
    string Suite,
    string Title,
    string Metric,
    string Unit,
    string Command,
    string Commit,
    string CreatedAt,
    string Machine,
    IReadOnlyList<BenchmarkBar> Bars)
{
    private static readonly string[] TimeUnits = ["ns", "µs", "us", "ms", "s", "min"];

    /// <summary>The one-line answer a question's file gives (<see cref="BenchmarkReading"/>); null under "More results".</summary>
    public string? Reading { get; init; }

    /// <summary>The element id: <c>chart-</c> and the file name without <c>.json</c> (suites repeat across files, names do not).</summary>
    public string Id => "chart-" + string.Concat(Path.GetFileNameWithoutExtension(File).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-'));

    public double Max => Bars.Count == 0 ? 0 : Bars.Max(b => b.Value);

    public IReadOnlyList<string> DetailColumns => [.. Bars.SelectMany(b => b.Details.Select(d => d.Key)).Distinct()];

    /// <summary>The unit without its remarks: <c>requests/s (pgbench: pages/s)</c> is <c>requests/s</c>.</summary>
    public string ShortUnit => Unit.IndexOf(" (", StringComparison.Ordinal) is var at and > 0 ? Unit[..at] : Unit;

    /// <summary>Rates and percentages: more is better. Times and everything else: less is.</summary>
    public bool HigherIsBetter => Unit.Contains("/s", StringComparison.Ordinal) || Unit == "%";

    /// <summary>What a ratio of two values compares, in a reading.</summary>
    public string Quantity =>
        Unit.Contains("/s", StringComparison.Ordinal) ? "throughput" : TimeUnits.Contains(ShortUnit, StringComparer.Ordinal) ? "time" : "value";

    public static string Number(double value) => value.ToString(value >= 100 ? "#,0.#" : "#,0.###", CultureInfo.InvariantCulture);
}

/// <summary>A question the page answers: its section's anchor and its heading.</summary>
public sealed record BenchmarkQuestion(string Id, string Heading);

/// <summary>A question's section: the charts of the files that answer it, each with its reading.</summary>
public sealed record BenchmarkSection(BenchmarkQuestion Question, IReadOnlyList<BenchmarkChart> Charts);

/// <summary>
/// How a chart's one-line reading is computed from its rows. The rows read are one parameter group (<see cref="Group"/>
/// when the file has it, else the first row's), and of those the summary rows when there are any. The subject is the
/// first row whose label starts with <see cref="Subject"/>, else the best row (highest rate, shortest time). The
/// sentence is <see cref="Template"/> with <c>{subject}</c>, <c>{group}</c> (<c>Posts=20</c> reads "20-post") and
/// <c>{value}</c> filled in, then the subject's value over each other row's: those starting with <see cref="Against"/>
/// in that order, else every other row, best first; <see cref="Compared"/> at most (0: the sentence alone, for rows
/// that are not alternatives to each other).
/// </summary>
public sealed record BenchmarkReading(string Template, string? Subject = null, IReadOnlyList<string>? Against = null, string? Group = null, int Compared = 3)
{
    public string? Of(BenchmarkChart chart)
    {
        IReadOnlyList<BenchmarkBar> rows = chart.Bars;
        var group = "";
        if (rows.FirstOrDefault(r => r.Parameters.Length > 0) is { } first)
        {
            group = Group is not null && rows.Any(r => r.Parameters == Group) ? Group : first.Parameters;
            rows = [.. rows.Where(r => r.Parameters == group)];
        }

        if (rows.Any(r => r.IsSummary))
        {
            rows = [.. rows.Where(r => r.IsSummary)];
        }

        if (rows.Count == 0)
        {
            return null;
        }

        var best = chart.HigherIsBetter ? rows.MaxBy(r => r.Value)! : rows.MinBy(r => r.Value)!;
        var subject = (Subject is null ? null : rows.FirstOrDefault(r => r.Label.StartsWith(Subject, StringComparison.Ordinal))) ?? best;
        var others = rows.Where(r => !ReferenceEquals(r, subject) && r.Value != 0).ToList();
        var chosen = (Against ?? []).Select(prefix => others.FirstOrDefault(r => r.Label.StartsWith(prefix, StringComparison.Ordinal))).OfType<BenchmarkBar>().ToList();
        if (chosen.Count == 0)
        {
            chosen = chart.HigherIsBetter ? [.. others.OrderByDescending(r => r.Value)] : [.. others.OrderBy(r => r.Value)];
        }

        var compared = chosen.DistinctBy(r => r.Label).Take(Compared).ToList();
        var head = Template
            .Replace("{subject}", subject.Label, StringComparison.Ordinal)
            .Replace("{group}", GroupPhrase(group), StringComparison.Ordinal)
            .Replace("{value}", $"{Short(subject.Value)} {chart.ShortUnit}".TrimEnd(), StringComparison.Ordinal);
        head = string.Join(' ', head.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (compared.Count == 0)
        {
            return head + ".";
        }

        var ratios = compared.Select((r, i) => $"{Ratio(subject.Value / r.Value)} {(i == 0 ? $"the {chart.Quantity}" : "that")} of {r.Label}").ToList();
        var list = ratios.Count == 1 ? ratios[0] : string.Join(", ", ratios[..^1]) + " and " + ratios[^1];
        return $"{head}, {list}.";
    }

    /// <summary>About three significant digits: 1,524 · 30.5 · 3.25.</summary>
    public static string Short(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "#,0" : Math.Abs(value) >= 10 ? "#,0.#" : "0.##", CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary><c>Posts=20</c> reads "20-post"; anything else as it is.</summary>
    private static string GroupPhrase(string group)
    {
        var parts = group.Split('=');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0 || group.Contains(',', StringComparison.Ordinal))
        {
            return group;
        }

        var noun = parts[0].ToLowerInvariant();
        return $"{parts[1]}-{(noun.EndsWith('s') ? noun[..^1] : noun)}";
    }
}

/// <summary>
/// One line of the page's table: a results file that answers a question, and how to read it. A line with
/// <see cref="Unless"/> is left out while that file can be read (its rows answer the question instead), and its own
/// file is then drawn under "More results".
/// </summary>
public sealed record BenchmarkAnswer(BenchmarkQuestion Question, string File, BenchmarkReading Reading, string? Unless = null);

/// <summary>
/// The page in order: the questions that have a readable file, the other files by title, and the files that could not
/// be shown, by file name (never a server path).
/// </summary>
public sealed record BenchmarksView(IReadOnlyList<BenchmarkSection> Questions, IReadOnlyList<BenchmarkChart> More, IReadOnlyList<string> Unreadable)
{
    /// <summary>Every chart shown, in page order.</summary>
    public IReadOnlyList<BenchmarkChart> Charts { get; } = [.. Questions.SelectMany(q => q.Charts), .. More];
}

public sealed class BenchmarksModel(LoadGroupFactory loads, IOptions<BenchmarksOptions> options, IWebHostEnvironment environment) : PageModel
{
    /// <summary>A change's before and after (<c>load.sh</c> with <c>BASE=</c>): run history, kept in the folder, not shown.</summary>
    public const string ComparePrefix = "compare-";

    private static readonly BenchmarkQuestion ViewEngine = new("view-engine", "Which view engine?");
    private static readonly BenchmarkQuestion GoDesign = new("go-design", "WebApp or the Go design?");
    private static readonly BenchmarkQuestion LoadingStrategy = new("loading-strategy", "Which loading strategy?");
    private static readonly BenchmarkQuestion Fleet = new("fleet", "One instance or a fleet?");
    private static readonly BenchmarkQuestion Soak = new("soak", "Does it hold over time?");

    /// <summary>
    /// The questions the page answers, in the page's order (a question's first line places it), and the files that
    /// answer each: one line a file. Every other file is drawn under "More results".
    /// </summary>
    public static readonly IReadOnlyList<BenchmarkAnswer> Answers =
    [
        new(ViewEngine, "render.json", new("{subject} renders the {group} profile in {value}", "Razor Pages view", ["RazorSlices", "Razor component"], "Posts=20")),
        new(GoDesign, "load.json", new("{subject} serves {value}", "WebApp", ["Go peer", "pgbench"])),
        new(LoadingStrategy, "loading-strategies.json", new("{subject} loads the profile in {value} at the median ({group})", "Batch", ["Concurrent", "Sequential", "Go peer"], "2 ms, 4 visitors")),
        new(LoadingStrategy, "preload.json", new("{subject} loads the page in {value}", "LoadGroup", ["sequential", "Task.WhenAll"]), Unless: "loading-strategies.json"),
        new(LoadingStrategy, "loadgroup-overhead.json", new("{subject} costs {value} a page", "LoadGroup"), Unless: "loading-strategies.json"),
        new(LoadingStrategy, "concurrency.json", new("{subject}: {value} a render", "1,000 pages, 10 tasks", ["1,000 pages, one task"])),
        new(Fleet, "fleet.json", new("With {subject}, the fleet serves {value}")),
        // Each row is a figure of a soak (scripts/soak.sh) as % of its limit: the highest is the nearest to failing.
        new(Soak, "soak.json", new("Nearest its limit: {subject}, its last ten minutes' mean at {value} of the limit", Compared: 0)),
    ];

    public BenchmarksView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.ResultsFolder(environment);
        using var group = loads.Create("benchmarks", cancellationToken);
        var results = group.Required("benchmarks.results", ct => LoadAsync(path, ct));
        await group.WaitAsync();

        View = results.Value;
        return Page();
    }

    /// <summary>
    /// Every <c>*.json</c> in the folder but the <c>compare-*</c> ones, arranged by <see cref="Arrange"/>. A missing or
    /// unlistable folder is no results; a file that cannot be opened, read or parsed is named, never fatal.
    /// </summary>
    internal static async Task<BenchmarksView> LoadAsync(string folder, CancellationToken ct)
    {
        var charts = new List<BenchmarkChart>();
        var unreadable = new List<string>();
        List<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(folder, "*.json")
                .Where(f => !Path.GetFileName(f).StartsWith(ComparePrefix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // DirectoryNotFoundException is an IOException: a missing folder is no results too.
            files = [];
        }

        foreach (var file in files)
        {
            try
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
                using var json = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
                charts.Add(Chart(Path.GetFileName(file), json.RootElement));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException
                or IOException or UnauthorizedAccessException)
            {
                unreadable.Add(Path.GetFileName(file));
            }
        }

        return Arrange(charts, unreadable);
    }

    /// <summary>
    /// The questions of <see cref="Answers"/> that have a readable file, each chart with its reading; then every other
    /// chart under "More results", by title (then file name).
    /// </summary>
    internal static BenchmarksView Arrange(IReadOnlyList<BenchmarkChart> charts, IReadOnlyList<string> unreadable)
    {
        var byFile = charts.ToDictionary(c => c.File, StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var sections = new List<BenchmarkSection>();
        foreach (var question in Answers.Select(a => a.Question).Distinct())
        {
            var answers = Answers
                .Where(a => a.Question == question && byFile.ContainsKey(a.File) && (a.Unless is null || !byFile.ContainsKey(a.Unless)))
                .ToList();
            if (answers.Count == 0)
            {
                continue; // not measured (or not readable): no section
            }

            answered.UnionWith(answers.Select(a => a.File));
            sections.Add(new BenchmarkSection(question, [.. answers.Select(a => byFile[a.File] with { Reading = a.Reading.Of(byFile[a.File]) })]));
        }

        var more = charts.Where(c => !answered.Contains(c.File))
            .OrderBy(c => c.Title, StringComparer.OrdinalIgnoreCase)
            .ThenBy(c => c.File, StringComparer.Ordinal)
            .ToList();
        return new BenchmarksView(sections, more, unreadable);
    }

    private static BenchmarkChart Chart(string file, JsonElement root)
    {
        var bars = new List<BenchmarkBar>();
        foreach (var row in root.GetProperty("results").EnumerateArray())
        {
            var details = new List<KeyValuePair<string, string>>();
            if (row.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                details.AddRange(d.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind switch
                {
                    JsonValueKind.Number => BenchmarkChart.Number(p.Value.GetDouble()),
                    JsonValueKind.Null => "",
                    _ => p.Value.ToString(),
                })));
            }

            bars.Add(new BenchmarkBar(
                row.GetProperty("name").GetString() ?? "",
                row.GetProperty("value").GetDouble(),
                row.TryGetProperty("baseline", out var b) && b.ValueKind == JsonValueKind.True,
                Text(row, "parameters"),
                details));
        }

        var machine = root.TryGetProperty("machine", out var m) && m.ValueKind == JsonValueKind.Object
            ? string.Join(", ", m.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => $"{p.Name} {p.Value}"))
            : "";
        return new BenchmarkChart(
            file,
            Text(root, "suite"),
            Text(root, "title"),
            Text(root, "metric"),
            Text(root, "unit"),
            Text(root, "command"),
            Text(root, "commit"),
            Text(root, "createdAt"),
            machine,
            bars);
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
