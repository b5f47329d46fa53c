using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Reports;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// Writes one JSON file per benchmark class under benchmarks/results/, in the shape the README table and the
/// /benchmarks page read: the machine, the commit, the command and one row per case (value, unit, details).
/// </summary>
internal static class ResultsWriter
{
    private static readonly Dictionary<string, (string Suite, string Title)> Suites = new()
    {
        [nameof(RenderBenchmarks)] = ("render", "Profile render: Razor Pages view vs RazorSlices (time per render)"),
        [nameof(ConcurrencyBenchmarks)] = ("concurrency", "1,000 profile renders: one task, 10 tasks, parallel sections (time per render)"),
        [nameof(PreloadBenchmarks)] = ("preload", "Preload with simulated latency 20/50/80 ms (time per page)"),
        [nameof(LoadGroupOverheadBenchmarks)] = ("loadgroup-overhead", "LoadGroup's own cost, 5 loaders that only yield (time per page)"),
        [nameof(PostgresPreloadBenchmarks)] = ("preload-postgres", "Profile preload on PostgreSQL, 5 real queries (time per page)"),
    };

    public static IEnumerable<string> Write(IEnumerable<Summary> summaries, string[] args)
    {
        var reports = summaries.SelectMany(s => s.Reports).Where(r => r.Success && r.ResultStatistics is not null).ToList();
        foreach (var byClass in reports.GroupBy(r => r.BenchmarkCase.Descriptor.Type.Name))
        {
            var (suite, title) = Suites.TryGetValue(byClass.Key, out var known) ? known : (byClass.Key.ToLowerInvariant(), byClass.Key);
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
            Directory.CreateDirectory(RepoPaths.Results);
            var path = Path.Combine(RepoPaths.Results, suite + ".json");
            File.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            yield return path;
        }
    }

    private static double Round(double value) => Math.Round(value, value >= 100 ? 1 : 3);
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
            var info = new ProcessStartInfo("git", "describe --always --dirty --abbrev=7") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
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
