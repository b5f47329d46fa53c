namespace WebApp.Rendering;

/// <summary>
/// Marks the render phase of a page: set around page-result execution, it flows (as an AsyncLocal)
/// into the layout, partials, tag helpers, view components and any task they start, and never back
/// out to the caller.
/// </summary>
public static class RenderPhase
{
    private static readonly AsyncLocal<string?> CurrentPage = new();

    /// <summary>The page being rendered on this flow, or null outside the render phase.</summary>
    public static string? Page => CurrentPage.Value;

    public static Scope Enter(string page)
    {
        var previous = CurrentPage.Value;
        CurrentPage.Value = page;
        return new Scope(previous);
    }

    public readonly struct Scope(string? previous) : IDisposable
    {
        public void Dispose() => CurrentPage.Value = previous;
    }
}
