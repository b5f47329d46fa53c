using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Upfront.Loading;

/// <summary>
/// Loaders in flight by page (<c>upfront.loading.loaders_in_flight</c>), and each loader's duration by page, loader and
/// outcome (<c>upfront.loading.loader_duration</c>, ms), on the meter <see cref="LoadingOptions.MeterName"/>:
/// <c>dotnet-counters monitor -n YourApp --counters Upfront.Loading</c>.
/// </summary>
public sealed class LoadingMetrics : ILoadGroupObserver
{
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _loaderDuration;

    /// <summary>The instruments, on a meter from <paramref name="meters"/>.</summary>
    public LoadingMetrics(IMeterFactory meters, IOptions<LoadingOptions> options)
    {
        var meter = meters.Create(options.Value.MeterName);
        _inFlight = meter.CreateUpDownCounter<long>("upfront.loading.loaders_in_flight", "{loader}", "Loaders running now.");
        _loaderDuration = meter.CreateHistogram<double>("upfront.loading.loader_duration", "ms", "How long each loader ran, by outcome.");
    }

    /// <inheritdoc/>
    public void OnLoaderStarted(LoaderStarted loader) =>
        _inFlight.Add(1, new KeyValuePair<string, object?>("page", loader.Page));

    /// <inheritdoc/>
    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing)
    {
        _inFlight.Add(-1, new KeyValuePair<string, object?>("page", loader.Page));
        _loaderDuration.Record(
            timing.Duration.TotalMilliseconds,
            new KeyValuePair<string, object?>("page", timing.Page),
            new KeyValuePair<string, object?>("loader", timing.Name),
            new KeyValuePair<string, object?>("outcome", timing.Outcome.Name()));
    }
}
