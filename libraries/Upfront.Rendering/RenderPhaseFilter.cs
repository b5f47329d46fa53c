using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Upfront.Rendering;

/// <summary>
/// Runs around every page and view result, even after a short-circuit (an always-run filter), and marks the render
/// phase so the I/O guards can tell rendering from loading. Also times each render.
/// </summary>
public sealed class RenderPhaseFilter(RenderMetrics metrics, IOptions<RenderGuardOptions> options) : IAsyncAlwaysRunResultFilter
{
    // One entry per action: the name is worked out once, not on every render.
    private readonly ConcurrentDictionary<ActionDescriptor, string> _pageNames = new();
    private readonly Func<ActionDescriptor, string> _pageName = options.Value.PageName;

    /// <inheritdoc/>
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Result is not (PageResult or ViewResult or PartialViewResult or ViewComponentResult))
        {
            await next().ConfigureAwait(false);
            return;
        }

        var page = _pageNames.GetOrAdd(context.ActionDescriptor, _pageName);
        var started = Stopwatch.GetTimestamp();
        using (RenderPhase.Enter(page))
        {
            await next().ConfigureAwait(false);
        }

        metrics.RecordRender(page, Stopwatch.GetElapsedTime(started));
    }
}
