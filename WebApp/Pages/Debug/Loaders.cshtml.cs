using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Upfront.Loading;

namespace WebApp.Pages.Debug;

public sealed record RunningLoader(string Page, string Loader, DateTimeOffset StartedAt, double AgeMs, string? TraceId);

/// <summary>One bar of a waterfall, placed in percent of the page load's duration.</summary>
public sealed record WaterfallBar(string Loader, string Outcome, double StartMs, double DurationMs, double LeftPercent, double WidthPercent);

public sealed record Waterfall(string Page, DateTimeOffset StartedAt, double DurationMs, string? TraceId, IReadOnlyList<WaterfallBar> Bars);

public sealed record LoadersView(DateTimeOffset Now, IReadOnlyList<RunningLoader> Running, IReadOnlyList<Waterfall> Recent);

/// <summary>
/// /debug/loaders: the loaders running now and the last page loads as waterfalls (HTML, or JSON with
/// ?format=json). Reads the in-memory registry only; the diagnostics gate (<c>Diagnostics/DiagnosticsGate</c>) hides
/// it with a 404 for every method unless the caller may see diagnostics.
/// </summary>
public sealed class LoadersModel(InFlightRegistry registry, TimeProvider time) : PageModel
{
    public LoadersView View { get; private set; } = null!;

    public IActionResult OnGet(string? format)
    {
        if (format is not (null or "" or "html" or "json"))
        {
            return BadRequest();
        }

        var now = time.GetUtcNow();
        View = new LoadersView(
            now,
            [.. registry.Running.Select(l => new RunningLoader(l.Page, l.Name, l.StartedAt, (now - l.StartedAt).TotalMilliseconds, l.TraceId))],
            [.. registry.Recent.Select(ToWaterfall)]);
        Response.Headers.CacheControl = "no-store";
        return format == "json" ? new JsonResult(View) : Page();
    }

    private static Waterfall ToWaterfall(PageLoad load)
    {
        var total = Math.Max(load.Duration.TotalMilliseconds, 0.001);
        var bars = load.Loaders.Select(l => new WaterfallBar(
            l.Name,
            l.Outcome.Name(),
            Math.Round(l.StartOffset.TotalMilliseconds, 2),
            Math.Round(l.Duration.TotalMilliseconds, 2),
            Math.Round(Math.Clamp(l.StartOffset.TotalMilliseconds / total * 100, 0, 100), 2),
            Math.Round(Math.Clamp(l.Duration.TotalMilliseconds / total * 100, 0.5, 100), 2)));
        return new Waterfall(load.Page, load.StartedAt, Math.Round(load.Duration.TotalMilliseconds, 2), load.TraceId, [.. bars]);
    }
}
