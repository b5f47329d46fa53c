using BenchmarkDotNet.Attributes;
using WebApp.Benchmarks.Infrastructure;
using Upfront.Loading;

namespace WebApp.Benchmarks;

/// <summary>
/// Three loaders of simulated latency (Task.Delay 20, 50 and 80 ms): awaited one after another, against the app's
/// LoadGroup and a bare Task.WhenAll. LoadGroup's overhead is its time over the slowest loader (80 ms) and over WhenAll.
/// </summary>
[MemoryDiagnoser]
public class PreloadBenchmarks : LoadGroupBenchmark
{
    [Benchmark(Baseline = true, Description = "sequential awaits (20+50+80 ms)")]
    public async Task<int> Sequential()
    {
        var a = await LoadAsync(20, CancellationToken.None);
        var b = await LoadAsync(50, CancellationToken.None);
        var c = await LoadAsync(80, CancellationToken.None);
        return a + b + c;
    }

    [Benchmark(Description = "Task.WhenAll (no cancellation)")]
    public async Task<int> WhenAll()
    {
        var results = await Task.WhenAll(LoadAsync(20, CancellationToken.None), LoadAsync(50, CancellationToken.None), LoadAsync(80, CancellationToken.None));
        return results.Sum();
    }

    [Benchmark(Description = "LoadGroup")]
    public async Task<int> LoadGroup()
    {
        using var group = Loads.Create("bench", CancellationToken.None);
        var a = group.Required("a", ct => LoadAsync(20, ct));
        var b = group.Required("b", ct => LoadAsync(50, ct));
        var c = group.Required("c", ct => LoadAsync(80, ct));
        await group.WaitAsync();
        return a.Value + b.Value + c.Value;
    }

    private static async Task<int> LoadAsync(int ms, CancellationToken ct)
    {
        await Task.Delay(ms, ct);
        return ms;
    }
}

/// <summary>LoadGroup's own cost with loaders that do no waiting: five loaders that only yield.</summary>
[MemoryDiagnoser]
public class LoadGroupOverheadBenchmarks : LoadGroupBenchmark
{
    [Params(5)]
    public int Loaders { get; set; }

    [Benchmark(Baseline = true, Description = "Task.WhenAll of yielding loaders")]
    public async Task<int> WhenAll()
    {
        var tasks = new Task<int>[Loaders];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = YieldAsync(i, CancellationToken.None);
        }

        return (await Task.WhenAll(tasks)).Sum();
    }

    [Benchmark(Description = "LoadGroup of yielding loaders")]
    public async Task<int> LoadGroup()
    {
        using var group = Loads.Create("bench", CancellationToken.None);
        var loaders = new Loader<int>[Loaders];
        for (var i = 0; i < loaders.Length; i++)
        {
            var n = i;
            loaders[i] = group.Required("l" + n, ct => YieldAsync(n, ct));
        }

        await group.WaitAsync();
        return loaders.Sum(l => l.Value);
    }

    private static async Task<int> YieldAsync(int n, CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        return n;
    }
}

/// <summary>The app's services, built once per benchmark class: LoadGroups come from its factory, as in a request.</summary>
public abstract class LoadGroupBenchmark
{
    private WebApplication _app = null!;

    protected LoadGroupFactory Loads { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _app = AppHost.Build();
        Loads = _app.Services.GetRequiredService<LoadGroupFactory>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _app.DisposeAsync();
}
