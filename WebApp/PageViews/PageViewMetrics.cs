using System.Diagnostics.Metrics;

namespace WebApp.PageViews;

/// <summary>
/// The <c>WebApp.PageViews</c> meter: views recorded, dropped (queue full or stopped), written, lost at
/// shutdown, and the queue depth. Watch it with <c>dotnet-counters monitor -n WebApp --counters WebApp.PageViews</c>.
/// </summary>
public sealed class PageViewMetrics
{
    public const string MeterName = "WebApp.PageViews";

    /// <summary>The <c>reason</c> of lost views the database refused (a constraint: the row can never be written).</summary>
    public const string LostRefused = "refused";

    /// <summary>The <c>reason</c> of lost views still queued when the shutdown timeout passed.</summary>
    public const string LostAtShutdown = "shutdown";

    private readonly Meter _meter;
    private readonly Counter<long> _recorded;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _written;
    private readonly Counter<long> _lost;

    public PageViewMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _recorded = _meter.CreateCounter<long>("webapp.page_views.recorded", "{view}", "Views accepted into the queue.");
        _dropped = _meter.CreateCounter<long>("webapp.page_views.dropped", "{view}", "Views refused by the queue, by reason (full, stopped).");
        _written = _meter.CreateCounter<long>("webapp.page_views.written", "{view}", "Views stored in user_daily_views.");
        _lost = _meter.CreateCounter<long>("webapp.page_views.lost", "{view}", "Views given up on, by reason: refused (the database refused the row, e.g. its user was deleted) or shutdown (database down past the shutdown timeout).");
    }

    public void Recorded() => _recorded.Add(1);

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Written(long views) => _written.Add(views);

    public void Lost(long views, string reason) => _lost.Add(views, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Reports the queue's length whenever a listener collects.</summary>
    public void ObserveQueueDepth(Func<int> depth) =>
        _meter.CreateObservableGauge("webapp.page_views.queue_depth", depth, "{view}", "Views waiting for the writer.");
}
