using System.Text.Encodings.Web;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using RazorSlices;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Benchmarks.Slices;
using WebApp.Pages;

namespace WebApp.Benchmarks;

/// <summary>One profile page rendered from an in-memory view model: the app's Razor Pages view against a RazorSlices peer.</summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private RazorProfileRenderer _renderer = null!;
    private ProfileModel _model = null!;
    private ProfileView _view = null!;
    private HtmlEncoder _encoder = null!;
    private SiteAssets _assets = null!;
    private readonly MemoryStream _body = new();

    [Params(10, 20, 50, 200)]
    public int Posts { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _renderer = await RazorProfileRenderer.CreateAsync();
        _view = ProfileViews.Create(Posts);
        _model = _renderer.Model(_view);
        _encoder = _renderer.Services.GetRequiredService<HtmlEncoder>();
        _assets = new SiteAssets(_renderer.Services.GetRequiredService<IFileVersionProvider>());

        // Measure nothing that is not the real page: both renderers must produce its posts, layout and encoding.
        foreach (var (name, html) in new[] { ("Razor Pages", await RenderedAsync(RazorPage)), ("RazorSlices", await RenderedAsync(RazorSlice)) })
        {
            var items = html.Split("class=\"post-item\"").Length - 1;
            if (items != Posts || !html.StartsWith("<!DOCTYPE html>", StringComparison.Ordinal) || !html.Contains("&lt;script&gt;", StringComparison.Ordinal) || !html.Contains("id=\"profile-following\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{name} rendered {items} posts, expected {Posts}, or lacks the layout or encoding:\n{html[..Math.Min(html.Length, 2000)]}");
            }
        }
    }

    private async Task<string> RenderedAsync(Func<Task<long>> render)
    {
        await render();
        return System.Text.Encoding.UTF8.GetString(_body.GetBuffer(), 0, (int)_body.Length).TrimStart();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _renderer.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Razor Pages view")]
    public async Task<long> RazorPage()
    {
        _body.SetLength(0);
        await _renderer.RenderAsync(_model, _body);
        return _body.Length;
    }

    [Benchmark(Description = "RazorSlices template")]
    public async Task<long> RazorSlice()
    {
        _body.SetLength(0);
        await ProfileSlice.Create(new ProfileSliceModel(_view, _assets)).RenderAsync(_body, _encoder);
        return _body.Length;
    }
}
