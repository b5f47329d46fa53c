using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Records one instrument of one host (meters from that host's IMeterFactory only), so that tests
/// running side by side in one process do not see each other's measurements.
/// </summary>
public sealed class MetricRecorder<T> : IDisposable
    where T : struct
{
    private readonly MeterListener _listener = new();

    public MetricRecorder(IServiceProvider services, string meterName, string instrumentName)
    {
        var scope = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Meter.Name == meterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<T>((_, value, tags, _) =>
            Measurements.Enqueue((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString()))));
        _listener.Start();
    }

    public ConcurrentQueue<(T Value, Dictionary<string, string?> Tags)> Measurements { get; } = new();

    public void Dispose() => _listener.Dispose();
}
