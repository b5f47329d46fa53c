using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using WebApp.Benchmarks.Infrastructure;

// dotnet run -c Release --project WebApp.Benchmarks -- --filter '*'              (BenchmarkDotNet's default job)
// dotnet run -c Release --project WebApp.Benchmarks -- --filter '*' --job short  (quick: 3 iterations)
// Each class's results are also written to benchmarks/results/<suite>.json for the README and /benchmarks.
var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(ResultsWriter).Assembly).Run(args, config);
foreach (var path in ResultsWriter.Write(summaries, args))
{
    Console.WriteLine($"Results: {path}");
}

// Internal, so that the tests, which reference this project for the render engines, see only WebApp's Program
// (the Web SDK would make a top-level Program public).
internal partial class Program;
