using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Upfront.Rendering;

/// <summary>
/// Render duration by page (<c>upfront.rendering.duration</c>, ms) and I/O attempted while rendering
/// (<c>upfront.rendering.io_violations</c>), on the meter <see cref="RenderGuardOptions.MeterName"/>.
/// </summary>
public sealed class RenderMetrics
{
    private readonly Histogram<double> _renderDuration;
    private readonly Counter<long> _violations;

    /// <summary>The instruments, on a meter from <paramref name="meters"/>.</summary>
    public RenderMetrics(IMeterFactory meters, IOptions<RenderGuardOptions> options)
    {
        var meter = meters.Create(options.Value.MeterName);
        _renderDuration = meter.CreateHistogram<double>("upfront.rendering.duration", "ms", "How long a page took to render its view model to HTML.");
        _violations = meter.CreateCounter<long>("upfront.rendering.io_violations", "{call}", "I/O calls attempted while a page was rendering.");
    }

    /// <summary>Records one render of <paramref name="page"/>.</summary>
    public void RecordRender(string page, TimeSpan elapsed) =>
        _renderDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("page", page));

    /// <summary>Counts one I/O call made while <paramref name="page"/> rendered.</summary>
    public void RecordViolation(string page) =>
        _violations.Add(1, new KeyValuePair<string, object?>("page", page));
}
