using System.Diagnostics.Metrics;

namespace WebApp.Loading;

/// <summary>
/// The <c>WebApp.Loading</c> meter: loaders in flight, loader duration by page, loader and outcome.
/// Watch it with <c>dotnet-counters monitor -n WebApp --counters WebApp.Loading</c>.
/// </summary>
public sealed class LoadingMetrics : ILoadGroupObserver
{
    public const string MeterName = "WebApp.Loading";

    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _loaderDuration;

    public LoadingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _inFlight = meter.CreateUpDownCounter<long>("webapp.loading.loaders_in_flight", "{loader}", "Loaders running now.");
        _loaderDuration = meter.CreateHistogram<double>("webapp.loading.loader_duration", "ms", "How long each loader ran, by outcome.");
    }

    public void OnLoaderStarted(LoaderStarted loader) =>
        _inFlight.Add(1, new KeyValuePair<string, object?>("page", loader.Page));

    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing)
    {
        _inFlight.Add(-1, new KeyValuePair<string, object?>("page", loader.Page));
        _loaderDuration.Record(
            timing.Duration.TotalMilliseconds,
            new KeyValuePair<string, object?>("page", timing.Page),
            new KeyValuePair<string, object?>("loader", timing.Name),
            new KeyValuePair<string, object?>("outcome", Outcomes.Name(timing.Outcome)));
    }

    public void OnGroupCompleted(PageLoad load)
    {
    }
}
