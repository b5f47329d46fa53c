namespace Upfront.Rendering;

/// <summary>Thrown, when <see cref="RenderGuardOptions.ThrowOnViolation"/> says so, by I/O while a page renders.</summary>
/// <param name="page">The page that was rendering.</param>
/// <param name="call">The I/O call, described.</param>
public sealed class RenderPhaseViolationException(string page, string call)
    : InvalidOperationException($"Page '{page}' performed I/O while rendering: {call}. Load it before rendering, into the view model.")
{
    /// <summary>The page that was rendering.</summary>
    public string Page { get; } = page;

    /// <summary>The I/O call.</summary>
    public string Call { get; } = call;
}
