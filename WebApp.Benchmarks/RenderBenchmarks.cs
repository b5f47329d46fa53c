using BenchmarkDotNet.Attributes;
using WebApp.ActivityService;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Pages;

namespace WebApp.Benchmarks;

/// <summary>
/// One profile page rendered from an in-memory view model by three view engines: the app's Razor Pages view
/// (the baseline), a Razor component tree rendered statically by HtmlRenderer, and a RazorSlices template. All
/// three write the same HTML (RenderEngineTests); the results add each engine's fixed and per-post cost.
/// </summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    /// <summary>The page shows the activity section, so that every part of the profile is rendered.</summary>
    public static readonly ActivitySection Activity = new(true, new UserActivity(true, new DateTime(2026, 11, 27), 12));

    private ProfileRenderEngines _engines = null!;
    private ProfileModel _model = null!;
    private ProfileView _view = null!;
    private readonly MemoryStream _body = new();

    [Params(10, 20, 50, 200)]
    public int Posts { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engines = await ProfileRenderEngines.CreateAsync();
        _view = ProfileViews.Create(Posts, Activity);
        _model = _engines.PageModel(_view);

        // Measure nothing that is not the real page: every engine must produce its posts, avatars, layout and encoding.
        foreach (var (name, html) in await _engines.RenderAllAsync(_view))
        {
            var items = Count(html, "class=\"post-item\"");
            var avatars = Count(html, "<svg class=\"avatar\"");
            if (items != Posts || avatars != 1 + _view.Following.Count || !html.TrimStart().StartsWith("<!DOCTYPE html>", StringComparison.Ordinal)
                || !html.Contains("&lt;script&gt;", StringComparison.Ordinal) || !html.Contains("id=\"profile-following\"", StringComparison.Ordinal)
                || !html.Contains("id=\"profile-activity\"", StringComparison.Ordinal) || !html.Contains("href=\"/benchmarks\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{name} rendered {items} posts and {avatars} avatars, expected {Posts} and {1 + _view.Following.Count}, or lacks the layout, the activity or the encoding:\n{html[..Math.Min(html.Length, 2000)]}");
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engines.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Razor Pages view")]
    public async Task<long> RazorPage()
    {
        _body.SetLength(0);
        await _engines.RazorPageAsync(_model, _body);
        return _body.Length;
    }

    [Benchmark(Description = "Razor component (HtmlRenderer)")]
    public async Task<long> RazorComponent()
    {
        _body.SetLength(0);
        await _engines.RazorComponentAsync(_view, _body);
        return _body.Length;
    }

    [Benchmark(Description = "RazorSlices template")]
    public async Task<long> RazorSlice()
    {
        _body.SetLength(0);
        await _engines.RazorSliceAsync(_view, _body);
        return _body.Length;
    }

    private static int Count(string html, string marker) => html.Split(marker).Length - 1;
}
