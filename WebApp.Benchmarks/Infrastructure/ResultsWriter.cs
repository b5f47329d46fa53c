using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Reports;
using WebApp.Tools;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// Writes one JSON file per benchmark class under benchmarks/results/, in the shape the README table and the
/// /benchmarks page read: the machine, the commit, the command and one row per case (value, unit, details).
/// A suite measured at several sizes also gets <c>scaling</c>: each method's fixed cost and cost per item.
/// </summary>
internal static class ResultsWriter
{
    private static readonly Dictionary<string, Suite> Suites = new()
    {
        [nameof(RenderBenchmarks)] = new("render", "Profile render: Razor Pages view, Razor component (HtmlRenderer), RazorSlices (time per render)", new("Posts", "post")),
        [nameof(ConcurrencyBenchmarks)] = new("concurrency", "1,000 profile renders: one task, 10 tasks, parallel sections (time per render)"),
        [nameof(PreloadBenchmarks)] = new("preload", "Preload with simulated latency 20/50/80 ms (time per page)"),
        [nameof(LoadGroupOverheadBenchmarks)] = new("loadgroup-overhead", "LoadGroup's own cost, 5 loaders that only yield (time per page)"),
        [nameof(ThreadSafetyChecksBenchmarks)] = new("thread-safety-checks", "EF Core's thread-safety checks: one 20-row loader on SQLite (time per load)"),
    };

    public static IEnumerable<string> Write(IEnumerable<Summary> summaries, string[] args)
    {
        var reports = summaries.SelectMany(s => s.Reports).Where(r => r.Success && r.ResultStatistics is not null).ToList();
        foreach (var byClass in reports.GroupBy(r => r.BenchmarkCase.Descriptor.Type.Name))
        {
            var (suite, title, scaleBy) = Suites.TryGetValue(byClass.Key, out var known) ? known : new Suite(byClass.Key.ToLowerInvariant(), byClass.Key);
            var rows = byClass.ToList();
            var maxNs = rows.Max(r => r.ResultStatistics!.Mean);
            var (unit, divisor) = maxNs >= 1_000_000 ? ("ms", 1_000_000.0) : ("µs", 1_000.0);
            var results = new JsonArray();
            foreach (var report in rows)
            {
                var stats = report.ResultStatistics!;
                var benchmark = report.BenchmarkCase;
                var parameters = benchmark.Parameters.Items.Select(p => $"{p.Name}={p.Value}");
                var baseline = rows.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Baseline && r.BenchmarkCase.Parameters.ValueInfo == benchmark.Parameters.ValueInfo);
                var details = new JsonObject
                {
                    [$"±95% CI ({unit})"] = Round(stats.StandardError * 1.96 / divisor),
                    [$"StdDev ({unit})"] = Round(stats.StandardDeviation / divisor),
                    ["Ratio"] = baseline is null ? null : Round(stats.Mean / baseline.ResultStatistics!.Mean),
                };
                var allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
                if (allocated is { } bytes)
                {
                    details["Allocated (KB)"] = Round(bytes / 1024.0);
                }

                if (benchmark.Descriptor.OperationsPerInvoke > 1)
                {
                    details[$"Total for {benchmark.Descriptor.OperationsPerInvoke:N0} (ms)"] = Round(stats.Mean * benchmark.Descriptor.OperationsPerInvoke / 1_000_000);
                }

                results.Add(new JsonObject
                {
                    ["name"] = $"{benchmark.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')} ({string.Join(", ", parameters)})",
                    ["method"] = benchmark.Descriptor.WorkloadMethod.Name,
                    ["parameters"] = string.Join(", ", parameters),
                    ["baseline"] = benchmark.Descriptor.Baseline,
                    ["value"] = Round(stats.Mean / divisor),
                    ["details"] = details,
                });
            }

            var job = rows[0].BenchmarkCase.Job.DisplayInfo;
            var document = new JsonObject
            {
                ["suite"] = suite,
                ["title"] = title,
                ["metric"] = "Mean",
                ["unit"] = unit,
                ["command"] = "dotnet run -c Release --project WebApp.Benchmarks -- " + string.Join(' ', args.Select(a => a.Contains('*') ? $"'{a}'" : a)),
                ["job"] = job,
                ["createdAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["commit"] = Machine.Commit(),
                ["machine"] = Machine.Describe(),
                ["results"] = results,
            };
            if (scaleBy is not null)
            {
                document["scaling"] = Scaling(rows, scaleBy);
            }

            var folder = Repository.PathOf("benchmarks", "results");
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, suite + ".json");
            File.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            yield return path;
        }
    }

    /// <summary>
    /// Each method's least-squares line through its results at the parameter's values: the intercept is the fixed
    /// cost of one operation, the slope the cost of each item on top, in time (µs, whatever the suite's unit, so
    /// that a per-item cost keeps its digits) and in allocated KB. With the render suite: what a page costs before
    /// its first post, and what each post adds. R² says how well a line fits the times (1 is a perfect line; a
    /// busy machine's noise shows as less, and can even make a fixed cost negative).
    /// </summary>
    private static JsonObject Scaling(List<BenchmarkReport> rows, ScaleBy scaleBy)
    {
        var lines = new JsonArray();
        foreach (var method in rows.GroupBy(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name))
        {
            var points = method
                .Select(r => (X: Convert.ToDouble(r.BenchmarkCase.Parameters.Items.Single(p => p.Name == scaleBy.Parameter).Value, CultureInfo.InvariantCulture),
                    Time: r.ResultStatistics!.Mean, Bytes: r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase)))
                .ToList();
            if (points.Select(p => p.X).Distinct().Count() < 2)
            {
                continue;
            }

            var time = Fit(points.Select(p => (p.X, p.Time / 1_000)).ToList());
            var line = new JsonObject
            {
                ["name"] = method.First().BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                ["method"] = method.Key,
                ["Fixed (µs)"] = Round(time.Intercept),
                [$"Per {scaleBy.Item} (µs)"] = Round(time.Slope),
                ["R² (time)"] = Math.Round(time.R2, 3),
            };
            if (points.All(p => p.Bytes is not null))
            {
                var kilobytes = Fit(points.Select(p => (p.X, p.Bytes!.Value / 1024.0)).ToList());
                line["Fixed (KB)"] = Round(kilobytes.Intercept);
                line[$"Per {scaleBy.Item} (KB)"] = Round(kilobytes.Slope);
            }

            lines.Add(line);
        }

        var values = rows.Select(r => r.BenchmarkCase.Parameters.Items.Single(p => p.Name == scaleBy.Parameter).Value).Distinct().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture));
        return new JsonObject
        {
            ["parameter"] = scaleBy.Parameter,
            ["fit"] = $"least-squares line through {scaleBy.Parameter} = {string.Join(", ", values)}: fixed = intercept, per {scaleBy.Item} = slope",
            ["rows"] = lines,
        };
    }

    /// <summary>The least-squares line y = intercept + slope · x, and its R² (the share of y's variance it explains).</summary>
    private static (double Intercept, double Slope, double R2) Fit(IReadOnlyList<(double X, double Y)> points)
    {
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var slope = points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / points.Sum(p => (p.X - meanX) * (p.X - meanX));
        var intercept = meanY - slope * meanX;
        var residual = points.Sum(p => Math.Pow(p.Y - (intercept + slope * p.X), 2));
        var total = points.Sum(p => Math.Pow(p.Y - meanY, 2));
        return (intercept, slope, total == 0 ? 1 : 1 - residual / total);
    }

    private static double Round(double value) => Math.Round(value, Math.Abs(value) >= 100 ? 1 : 3);

    /// <summary>A suite's results file: its name, its chart's title, and the parameter its cost grows with, if any.</summary>
    private sealed record Suite(string Name, string Title, ScaleBy? ScaleBy = null);

    /// <summary>A numeric benchmark parameter (Posts) and what one unit of it is called (post).</summary>
    private sealed record ScaleBy(string Parameter, string Item);
}

/// <summary>What the figures were measured on.</summary>
internal static class Machine
{
    public static JsonObject Describe() => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["cpu"] = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : RuntimeInformation.ProcessArchitecture.ToString(),
        ["memoryGB"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024),
        ["os"] = OsName(),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        // Another engineer may build and test on the same machine: the load when the run ended says how busy it was.
        ["loadAverage"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : null,
    };

    public static string Commit()
    {
        try
        {
            var info = new ProcessStartInfo("git", "describe --always --dirty --abbrev=7") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string OsName()
    {
        var release = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
            : null;
        return release ?? RuntimeInformation.OSDescription;
    }
}
