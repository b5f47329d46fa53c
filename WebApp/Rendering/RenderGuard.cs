using System.Diagnostics.Metrics;

namespace WebApp.Rendering;

/// <summary>Thrown, outside Production, when a page does I/O while it renders.</summary>
public sealed class RenderPhaseViolationException(string page, string call)
    : InvalidOperationException($"Page '{page}' performed I/O while rendering: {call}. Load it in OnGetAsync into the view model instead.")
{
    public string Page { get; } = page;
    public string Call { get; } = call;
}

/// <summary>
/// The one check that every I/O guard (EF Core commands and connection opens, outgoing HTTP) calls.
/// In Development and Testing a violation throws; in Production it is logged as an error and counted,
/// and the visitor still gets the page.
/// </summary>
public sealed partial class RenderGuard(IHostEnvironment environment, RenderMetrics metrics, ILogger<RenderGuard> logger)
{
    private readonly bool _throws = !environment.IsProduction();

    /// <summary>
    /// Checks one I/O call; <paramref name="describe"/> names it, and runs only when a page is rendering: the guard
    /// sits on every database command, and outside the render phase (nearly always) it must cost nothing.
    /// </summary>
    public void Check<T>(T target, Func<T, string> describe)
    {
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

/// <summary>Render duration by page, and I/O attempted while rendering (meter <c>WebApp.Loading</c>).</summary>
public sealed class RenderMetrics
{
    private readonly Histogram<double> _renderDuration;
    private readonly Counter<long> _violations;

    public RenderMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Loading.LoadingMetrics.MeterName);
        _renderDuration = meter.CreateHistogram<double>("webapp.render.duration", "ms", "How long a page took to render its view model to HTML.");
        _violations = meter.CreateCounter<long>("webapp.render.io_violations", "{call}", "I/O calls attempted while a page was rendering.");
    }

    public void RecordRender(string page, TimeSpan elapsed) =>
        _renderDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("page", page));

    public void RecordViolation(string page) =>
        _violations.Add(1, new KeyValuePair<string, object?>("page", page));
}
