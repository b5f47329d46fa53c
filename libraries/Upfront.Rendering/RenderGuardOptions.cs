using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Upfront.Rendering;

/// <summary>What the render guard does with I/O while a page renders, and where it reports.</summary>
public sealed class RenderGuardOptions
{
    /// <summary>The default of <see cref="MeterName"/>.</summary>
    public const string DefaultMeterName = "Upfront.Rendering";

    /// <summary>
    /// True: a violation throws <see cref="RenderPhaseViolationException"/> (the page fails). False: it is logged as an
    /// error and counted, and the visitor still gets the page. Null (the default): throw in every environment but
    /// Production.
    /// </summary>
    public bool? ThrowOnViolation { get; set; }

    /// <summary>The meter of the render metrics (<see cref="RenderMetrics"/>).</summary>
    public string MeterName { get; set; } = DefaultMeterName;

    /// <summary>
    /// A page's name in messages and metrics. The default: a Razor Page's path (<c>/Profile</c>), else the action's
    /// display name.
    /// </summary>
    public Func<ActionDescriptor, string> PageName { get; set; } = DefaultPageName;

    private static string DefaultPageName(ActionDescriptor action) =>
        action is PageActionDescriptor page ? page.ViewEnginePath : action.DisplayName ?? "unknown";
}
