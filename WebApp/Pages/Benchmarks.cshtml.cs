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

public sealed record BenchmarkBar(string Name, double Value, bool Baseline, IReadOnlyList<KeyValuePair<string, string>> Details);

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
    public double Max => Bars.Count == 0 ? 0 : Bars.Max(b => b.Value);

    public IReadOnlyList<string> DetailColumns => [.. Bars.SelectMany(b => b.Details.Select(d => d.Key)).Distinct()];

    public static string Number(double value) => value.ToString(value >= 100 ? "#,0.#" : "#,0.###", CultureInfo.InvariantCulture);
}

/// <summary>The charts, and the files that could not be shown, by file name: never a server path.</summary>
public sealed record BenchmarksView(IReadOnlyList<BenchmarkChart> Charts, IReadOnlyList<string> Unreadable);

public sealed class BenchmarksModel(LoadGroupFactory loads, IOptions<BenchmarksOptions> options, IWebHostEnvironment environment) : PageModel
{
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
    /// Every <c>*.json</c> in the folder, by file name. A missing or unlistable folder is no results; a file
    /// that cannot be opened, read or parsed is named, never fatal.
    /// </summary>
    internal static async Task<BenchmarksView> LoadAsync(string folder, CancellationToken ct)
    {
        var charts = new List<BenchmarkChart>();
        var unreadable = new List<string>();
        List<string> files;
        try
        {
            files = [.. Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal)];
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

        return new BenchmarksView(charts, unreadable);
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
