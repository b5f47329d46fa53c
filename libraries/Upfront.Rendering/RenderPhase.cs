namespace Upfront.Rendering;

/// <summary>
/// Marks the render phase of a page: set around page-result execution (<see cref="RenderPhaseFilter"/>), it flows (as
/// an <see cref="AsyncLocal{T}"/>) into the layout, partials, tag helpers, view components and any task they start,
/// and never back out to the caller.
/// </summary>
public static class RenderPhase
{
    private static readonly AsyncLocal<string?> CurrentPage = new();

    /// <summary>The page being rendered on this flow, or null outside the render phase.</summary>
    public static string? Page => CurrentPage.Value;

    /// <summary>Enters the render phase of <paramref name="page"/> until the scope is disposed.</summary>
    public static Scope Enter(string page)
    {
        var previous = CurrentPage.Value;
        CurrentPage.Value = page;
        return new Scope(previous);
    }

    /// <summary>Leaves the render phase (restores what was there before) when disposed.</summary>
    public readonly struct Scope(string? previous) : IDisposable
    {
        /// <summary>Restores the flow's previous page.</summary>
        public void Dispose() => CurrentPage.Value = previous;
    }
}
