using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Upfront.Rendering;

/// <summary>
/// The one check that every I/O guard (EF Core commands and connection opens, outgoing HTTP) calls: outside the render
/// phase it does nothing; inside, it counts the violation and throws or logs (<see cref="RenderGuardOptions.ThrowOnViolation"/>).
/// </summary>
public sealed partial class RenderGuard(IOptions<RenderGuardOptions> options, IHostEnvironment environment, RenderMetrics metrics, ILogger<RenderGuard> logger)
{
    private readonly bool _throws = options.Value.ThrowOnViolation ?? !environment.IsProduction();

    /// <summary>
    /// Checks one I/O call; <paramref name="describe"/> names it, and runs only when a page is rendering: the guard
    /// sits on every database command, and outside the render phase (nearly always) it must cost nothing.
    /// </summary>
    public void Check<T>(T target, Func<T, string> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        if (RenderPhase.Page is not { } page)
        {
            return;
        }

        var call = describe(target);
        metrics.RecordViolation(page);
        if (_throws)
        {
            throw new RenderPhaseViolationException(page, call);
        }

        LogViolation(page, call);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Page {Page} performed I/O while rendering: {Call}")]
    private partial void LogViolation(string page, string call);
}
