using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// axe-core (Deque.AxeCore.Playwright) run in the page as it is now: the WCAG 2.0, 2.1 and 2.2 A and AA
/// rules and axe's best practices. A violation is described by its rule, impact and the elements it found.
/// </summary>
public static class AccessibilityAudit
{
    public static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

    /// <summary>One readable entry per violated rule; empty when the page is clean.</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = RunOnlyOptions.Tags(Tags),
            ResultTypes = [ResultType.Violations],
        });
        return [.. result.Violations.Select(Describe)];
    }

    private static string Describe(AxeResultItem violation) =>
        $"{violation.Id} ({violation.Impact}): {violation.Help} [{violation.HelpUrl}]"
        + string.Concat(violation.Nodes.Select(node => $"\n    {node.Target}  {Shorten(node.Html)}"));

    private static string Shorten(string html)
    {
        var flat = string.Join(' ', html.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 120 ? flat[..120] + "…" : flat;
    }
}
