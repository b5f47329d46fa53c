using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WebApp.PageViews;

namespace WebApp.Tests.PageViews;

public sealed class PageViewRecorderTests : IDisposable
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 23, 59, 59, TimeSpan.Zero));
    private readonly FakeLogger<PageViewRecorder> _logger = new();

    [Fact]
    public async Task Record_View_QueuedWithTheUtcDayOfTheClock()
    {
        var recorder = Recorder(new PageViewOptions());

        Assert.True(recorder.Record(7));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(recorder.Record(7));

        Assert.Equal(new PageView(7, new DateOnly(2026, 1, 1)), await recorder.Reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(new PageView(7, new DateOnly(2026, 1, 2)), await recorder.Reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, recorder.Recorded);
    }

    [Fact]
    public void Record_QueueFull_DropsCountsAndWarnsAtMostOncePerInterval()
    {
        var recorder = Recorder(new PageViewOptions { QueueCapacity = 1, DropWarningInterval = WarningInterval });
        using var dropped = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.dropped");

        var accepted = Enumerable.Range(0, 5).Select(_ => recorder.Record(1)).ToList();
        _clock.Advance(WarningInterval);
        accepted.Add(recorder.Record(1));

        Assert.Equal([true, false, false, false, false, false], accepted);
        Assert.Equal(1, recorder.Recorded);
        Assert.Equal(5, recorder.Dropped);
        Assert.Equal(5, dropped.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(dropped.GetMeasurementSnapshot(), m => Assert.Equal("full", m.Tags["reason"]));
        // The first drop warns at once; the next warning comes an interval later, with the count since.
        var warnings = _logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(["1", "4"], warnings.Select(w => w.GetStructuredStateValue("Dropped")));
    }

    [Fact]
    public void Record_AfterComplete_DropsAsStopped()
    {
        var recorder = Recorder(new PageViewOptions());
        using var dropped = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.dropped");

        recorder.Complete();

        Assert.False(recorder.Record(1));
        Assert.Equal(1, recorder.Dropped);
        Assert.Equal("stopped", Assert.Single(dropped.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public void Record_Disabled_QueuesAndCountsNothing()
    {
        var recorder = Recorder(new PageViewOptions { Enabled = false });

        Assert.False(recorder.Record(1));

        Assert.Equal(0, recorder.Reader.Count);
        Assert.Equal(0, recorder.Recorded);
        Assert.Equal(0, recorder.Dropped);
    }

    [Fact]
    public void Metrics_EveryInstrument_HasItsUnitAndDescription_AndTheGaugeReadsTheQueue()
    {
        var published = new List<(string Name, string? Unit, string? Description)>();
        var depth = new List<int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PageViewMetrics.MeterName && instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>())
                {
                    published.Add((instrument.Name, instrument.Unit, instrument.Description));
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => depth.Add(v));
        listener.Start();
        var recorder = Recorder(new PageViewOptions());
        using var recorded = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), PageViewMetrics.MeterName, "webapp.page_views.recorded");

        recorder.Record(1);
        recorder.Record(2);
        listener.RecordObservableInstruments();

        Assert.Equal([2], depth);
        Assert.Equal(2, recorded.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(
        [
            ("webapp.page_views.recorded", "{view}", "Views accepted into the queue."),
            ("webapp.page_views.dropped", "{view}", "Views refused by the queue, by reason (full, stopped)."),
            ("webapp.page_views.written", "{view}", "Views stored in user_daily_views."),
            ("webapp.page_views.lost", "{view}", "Views given up on, by reason: refused (the database refused the row, e.g. its user was deleted) or shutdown (database down past the shutdown timeout)."),
            ("webapp.page_views.queue_depth", "{view}", "Views waiting for the writer."),
        ], published);
    }

    [Fact]
    public async Task Record_WriterWaiting_ItsLoopNeverRunsOnTheRequestsThread()
    {
        var recorder = Recorder(new PageViewOptions());
        var recording = false;
        var recordingThread = 0;
        var ranInsideRecord = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task WriterAsync()
        {
            await recorder.Reader.WaitToReadAsync(TestContext.Current.CancellationToken);
            ranInsideRecord.SetResult(Volatile.Read(ref recording) && Environment.CurrentManagedThreadId == recordingThread);
        }

        var writer = WriterAsync();
        recordingThread = Environment.CurrentManagedThreadId;
        Volatile.Write(ref recording, true);
        recorder.Record(1);
        Volatile.Write(ref recording, false);
        await writer;

        // A synchronous continuation would run the writer's loop inside Record, on the request's thread.
        Assert.False(await ranInsideRecord.Task);
    }

    public void Dispose() => _services.Dispose();

    private PageViewRecorder Recorder(PageViewOptions options) =>
        new(Options.Create(options), _clock, new PageViewMetrics(_services.GetRequiredService<IMeterFactory>()), _logger);
}
