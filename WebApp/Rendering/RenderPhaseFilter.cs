using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebApp.Rendering;

/// <summary>
/// Runs around every page and view result, even after a short-circuit (an always-run filter), and
/// marks the render phase so the I/O guards can tell rendering from loading. Also times each render.
/// </summary>
public sealed class RenderPhaseFilter(RenderMetrics metrics) : IAsyncAlwaysRunResultFilter
{
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.Result is not (PageResult or ViewResult or PartialViewResult or ViewComponentResult))
        {
            await next();
            return;
        }

        var page = PageNames.GetOrAdd(context.ActionDescriptor.DisplayName ?? "", PageName);
        var started = Stopwatch.GetTimestamp();
        using (RenderPhase.Enter(page))
        {
            await next();
        }

        metrics.RecordRender(page, Stopwatch.GetElapsedTime(started));
    }

    // One entry per page: the name is worked out once, not on every render.
    private static readonly ConcurrentDictionary<string, string> PageNames = new(StringComparer.Ordinal);

    /// <summary>
    /// The page's name in the metrics and logs, the one its load group uses: <c>/Index</c> is <c>home</c>, any other
    /// page its path in lower case (<c>/Profile</c> is <c>profile</c>, <c>/Debug/Loaders</c> is <c>debug.loaders</c>).
    /// </summary>
    public static string PageName(string? displayName) => displayName switch
    {
        null or "" => "unknown",
        "/Index" => "home",
        _ => displayName.TrimStart('/').Replace('/', '.').ToLowerInvariant(),
    };
}
