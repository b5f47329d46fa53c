using BenchmarkDotNet.Attributes;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Pages;

namespace WebApp.Benchmarks;

/// <summary>
/// The seed's experiment: 1,000 profile renders on one task, the same 1,000 over 10 concurrent tasks, and the
/// anti-pattern of rendering one page's sections on parallel tasks and stitching them (against the same sections
/// rendered one after another). Each figure is per render (OperationsPerInvoke); total wall time is 1,000 times it.
/// </summary>
[MemoryDiagnoser]
public class ConcurrencyBenchmarks
{
    public const int Renders = 1000;
    private const int Tasks = 10;

    private RazorProfileRenderer _renderer = null!;
    private ProfileModel _model = null!;
    private IReadOnlyList<Func<Task<string>>> _sections = [];

    [Params(20)]
    public int Posts { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _renderer = await RazorProfileRenderer.CreateAsync();
        var view = ProfileViews.Create(Posts);
        _model = _renderer.Model(view);
        _sections = _renderer.Sections(view);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _renderer.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Renders, Description = "1,000 pages, one task")]
    public Task OneTask() => Task.Run(() => RenderPagesAsync(Renders));

    [Benchmark(OperationsPerInvoke = Renders, Description = "1,000 pages, 10 tasks")]
    public Task TenTasks() => Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => Task.Run(() => RenderPagesAsync(Renders / Tasks))));

    [Benchmark(OperationsPerInvoke = Renders, Description = "1,000 pages of sections, one task")]
    public Task SectionsOneTask() => Task.Run(async () =>
    {
        for (var i = 0; i < Renders; i++)
        {
            var parts = new string[_sections.Count];
            for (var s = 0; s < parts.Length; s++)
            {
                parts[s] = await _sections[s]();
            }

            _ = string.Concat(parts);
        }
    });

    [Benchmark(OperationsPerInvoke = Renders, Description = "1,000 pages of sections on parallel tasks (anti-pattern)")]
    public Task SectionsParallel() => Task.Run(async () =>
    {
        for (var i = 0; i < Renders; i++)
        {
            var parts = await Task.WhenAll(_sections.Select(section => Task.Run(section)));
            _ = string.Concat(parts);
        }
    });

    private async Task RenderPagesAsync(int count)
    {
        using var body = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            body.SetLength(0);
            await _renderer.RenderAsync(_model, body);
        }
    }
}
