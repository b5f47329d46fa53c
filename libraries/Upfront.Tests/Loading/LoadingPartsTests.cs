using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Upfront.Loading;

namespace Upfront.Tests.Loading;

/// <summary>
/// The parts around LoadGroup's rules: what a loader handle says when it has no value, argument and order checks,
/// disposal, an optional loader's own token, the spans, the metrics, the Server-Timing header and the registry of
/// recent loads: what a rule-by-rule test of LoadGroup does not reach.
/// </summary>
public sealed class LoadingPartsTests
{
    private const int SafetyTimeout = 10_000;
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact(Timeout = SafetyTimeout)]
    public async Task Loader_WithoutAValue_SaysWhyAndValueOrDefaultIsDefault()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var ok = group.Required("ok", _ => Task.FromResult(42));
        var degraded = group.Optional<int>("extras", Timeout.InfiniteTimeSpan, _ => throw new InvalidOperationException("down"));
        var pending = Signal.New<int>();
        var slow = group.Required("slow", _ => pending.Task);

        var notYet = Assert.Throws<InvalidOperationException>(() => slow.Value);
        Assert.Equal("Loader 'slow' has no value (not finished, failed or canceled).", notYet.Message);
        Assert.Equal(0, slow.ValueOrDefault);
        pending.SetResult(7);
        await group.WaitAsync();

        Assert.Equal(42, ok.Value);
        Assert.Equal(42, ok.ValueOrDefault);
        Assert.False(ok.IsDegraded);
        Assert.True(degraded.IsDegraded);
        Assert.Equal(0, degraded.ValueOrDefault);
        var why = Assert.Throws<InvalidOperationException>(() => degraded.Value);
        Assert.Equal("Loader 'extras' is degraded; use ValueOrDefault or check IsDegraded.", why.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)] // -1 ms is Timeout.InfiniteTimeSpan, which is allowed
    public void Optional_BudgetNotPositive_IsRefusedToTheCaller(int milliseconds)
    {
        var f = new LoadingFixture();
        using var group = f.Create();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => group.Optional("extras", milliseconds * Ms, _ => Task.FromResult(1)));

        Assert.Equal("budget", error.ParamName);
        Assert.StartsWith("The budget must be positive or infinite.", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_InfiniteBudget_IsAllowed()
    {
        var f = new LoadingFixture();
        using var group = f.Create();

        var extras = group.Optional("extras", Timeout.InfiniteTimeSpan, _ => Task.FromResult(3));
        await group.WaitAsync();

        Assert.Equal(3, extras.Value);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Group_MisusedInOrder_SaysHow()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        group.Required("one", _ => Task.FromResult(1));
        await group.WaitAsync();

        var twice = await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);
        var late = Assert.Throws<InvalidOperationException>(() => group.Required("late", _ => Task.FromResult(2)));

        Assert.Equal("WaitAsync may be called only once.", twice.Message);
        Assert.Equal("Loaders must be added before WaitAsync is called.", late.Message);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_RequestEnded_SaysSo()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource();
        using var group = f.CreateForRequest(request.Token);
        group.Required("slow", async ct =>
        {
            await Signal.WhenCancelled(ct);
            ct.ThrowIfCancellationRequested();
            return 1;
        });

        await request.CancelAsync();
        var ended = await Assert.ThrowsAnyAsync<OperationCanceledException>(group.WaitAsync);

        Assert.Equal("The request ended while the page was loading.", ended.Message);
        Assert.Equal(request.Token, ended.CancellationToken);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Dispose_AfterEveryLoaderEnded_ReleasesTheToken()
    {
        var f = new LoadingFixture();
        var group = f.Create();
        group.Required("one", _ => Task.FromResult(1));
        await group.WaitAsync();

        group.Dispose();

        // A disposed source refuses to hand out its token; a cancelled one would still give it.
        Assert.Throws<ObjectDisposedException>(() => group.Token);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Dispose_WhileALoaderRuns_CancelsItAndKeepsTheTokenUsable()
    {
        var f = new LoadingFixture();
        var group = f.Create();
        var running = Signal.New();
        var loader = group.Required("slow", async ct =>
        {
            running.SetResult();
            await Signal.WhenCancelled(ct);
            return 1;
        });
        await running.Task;

        group.Dispose();

        Assert.True(group.Token.IsCancellationRequested);
        var ended = await f.Observer.WhenEnded("slow");
        Assert.Equal(LoaderOutcome.Ok, ended.Outcome);
        Assert.Equal(1, loader.Value);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_BudgetPasses_CancelsTheLoadersOwnTokenNotTheGroups()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var seen = Signal.New<CancellationToken>();
        group.Optional("extras", 50 * Ms, async ct =>
        {
            seen.SetResult(ct);
            await Signal.WhenCancelled(ct);
            ct.ThrowIfCancellationRequested();
            return 1;
        });
        var token = await seen.Task;

        Assert.False(token.IsCancellationRequested);
        f.Time.Advance(50 * Ms);
        var ended = await f.Observer.WhenEnded("extras");

        Assert.True(token.IsCancellationRequested);
        Assert.Equal(LoaderOutcome.Degraded, ended.Outcome);
        Assert.False(group.Token.IsCancellationRequested);
        await group.WaitAsync();
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_RequestEndsWhileItRuns_IsCanceledNotDegraded()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource();
        using var group = f.CreateForRequest(request.Token);
        var running = Signal.New();
        group.Optional<int>("extras", TimeSpan.FromMinutes(1), async ct =>
        {
            running.SetResult();
            await Signal.WhenCancelled(ct);
            throw new TimeoutException("the service noticed the hang-up first");
        });
        await running.Task;

        await request.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(group.WaitAsync);

        Assert.Equal(LoaderOutcome.Canceled, Assert.Single(group.Timings).Outcome);
        Assert.Empty(f.Warnings);
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Spans_OnePerLoader_TaggedWithPageOptionalAndOutcome()
    {
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == LoadingOptions.DefaultTelemetryName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var f = new LoadingFixture();
        using var group = f.Create();
        var page = "spans-" + Guid.NewGuid().ToString("N");

        using (var named = f.Factory.Create(page, CancellationToken.None))
        {
            named.Required("fine", _ => Task.FromResult(1));
            named.Optional<int>("broken", Timeout.InfiniteTimeSpan, _ => throw new InvalidOperationException("down"));
            await named.WaitAsync();
        }

        List<Activity> mine;
        lock (stopped)
        {
            mine = [.. stopped.Where(a => Equals(a.GetTagItem("upfront.page"), page))];
        }

        var fine = Assert.Single(mine, a => a.OperationName == "fine");
        var broken = Assert.Single(mine, a => a.OperationName == "broken");
        Assert.Equal(false, fine.GetTagItem("upfront.loader.optional"));
        Assert.Equal("ok", fine.GetTagItem("upfront.loader.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, fine.Status);
        Assert.Equal(true, broken.GetTagItem("upfront.loader.optional"));
        Assert.Equal("degraded", broken.GetTagItem("upfront.loader.outcome"));
        Assert.Equal(ActivityStatusCode.Error, broken.Status);
        Assert.Equal("InvalidOperationException", broken.StatusDescription);
        Assert.Contains(broken.Events, e => e.Name == "exception");
    }

    [Fact]
    public void Metrics_LoadersInFlightAndDuration_ByPageLoaderAndOutcome()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new LoadingMetrics(meters, Options.Create(new LoadingOptions()));
        var measured = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LoadingOptions.DefaultTelemetryName && instrument.Meter.Scope == meters)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        var published = new List<string>();
        listener.InstrumentPublished += (instrument, _) =>
        {
            if (instrument.Meter.Scope == meters)
            {
                published.Add($"{instrument.Name} [{instrument.Unit}] {instrument.Description}");
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measured.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measured.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        var started = new LoaderStarted(1, "profile", "profile.stats", DateTimeOffset.UnixEpoch, null);

        metrics.OnLoaderStarted(started);
        metrics.OnLoaderEnded(started, new LoaderTiming("profile", "profile.stats", false, TimeSpan.Zero, 12 * Ms, LoaderOutcome.Faulted));

        Assert.Equal(
            [
                ("upfront.loading.loaders_in_flight", 1d, "page=profile"),
                ("upfront.loading.loaders_in_flight", -1d, "page=profile"),
                ("upfront.loading.loader_duration", 12d, "loader=profile.stats,outcome=faulted,page=profile"),
            ],
            measured.Select(m => (m.Instrument, m.Value, string.Join(',', m.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")))));
        Assert.Equal(
            [
                "upfront.loading.loaders_in_flight [{loader}] Loaders running now.",
                "upfront.loading.loader_duration [ms] How long each loader ran, by outcome.",
            ],
            published);
    }

    [Theory]
    [InlineData(LoaderOutcome.Ok, "ok")]
    [InlineData(LoaderOutcome.Faulted, "faulted")]
    [InlineData(LoaderOutcome.Canceled, "canceled")]
    [InlineData(LoaderOutcome.Degraded, "degraded")]
    [InlineData((LoaderOutcome)99, "unknown")]
    public void Outcomes_Name_IsLowerCase(LoaderOutcome outcome, string expected) =>
        Assert.Equal(expected, outcome.Name());

    [Fact]
    public void ServerTiming_EachLoaderThenTheLoad_OnTheResponse()
    {
        var context = new DefaultHttpContext();
        var load = new PageLoad("profile", DateTimeOffset.UnixEpoch, 9.5004 * Ms,
            [
                new LoaderTiming("profile", "profile.user", false, TimeSpan.Zero, 1.2468 * Ms, LoaderOutcome.Ok),
                new LoaderTiming("profile", "profile.activity", true, TimeSpan.Zero, 3 * Ms, LoaderOutcome.Degraded),
            ], null);

        new ServerTiming(new HttpContextAccessor { HttpContext = context }).OnGroupCompleted(load);

        Assert.Equal(
            "profile.user;dur=1.25;desc=\"ok\", profile.activity;dur=3;desc=\"degraded\", load;dur=9.5;desc=\"profile\"",
            context.Response.Headers["Server-Timing"].ToString());
    }

    [Fact]
    public void ServerTiming_ResponseAlreadyStartedOrNoRequest_IsNotWritten()
    {
        var started = new DefaultHttpContext();
        started.Features.Set<IHttpResponseFeature>(new StartedResponse());
        var load = new PageLoad("home", DateTimeOffset.UnixEpoch, Ms, [], null);

        new ServerTiming(new HttpContextAccessor { HttpContext = started }).OnGroupCompleted(load);
        new ServerTiming(new HttpContextAccessor()).OnGroupCompleted(load);

        Assert.False(started.Response.Headers.ContainsKey("Server-Timing"));
    }

    [Fact]
    public void Registry_Recent_KeepsTheNewestLoadsUpToItsCapacity()
    {
        var registry = new InFlightRegistry();
        for (var i = 0; i <= InFlightRegistry.RecentCapacity; i++)
        {
            registry.OnGroupCompleted(new PageLoad($"page-{i}", DateTimeOffset.UnixEpoch, Ms, [], null));
        }

        var recent = registry.Recent;
        Assert.Equal(InFlightRegistry.RecentCapacity, recent.Count);
        Assert.Equal($"page-{InFlightRegistry.RecentCapacity}", recent[0].Page);
        Assert.Equal("page-1", recent[^1].Page);
    }

    [Fact]
    public void Registry_Running_OldestFirstThenById()
    {
        var registry = new InFlightRegistry();
        var t0 = DateTimeOffset.UnixEpoch;
        registry.OnLoaderStarted(new LoaderStarted(3, "p", "late", t0.AddSeconds(2), null));
        registry.OnLoaderStarted(new LoaderStarted(2, "p", "same-second", t0.AddSeconds(1), null));
        registry.OnLoaderStarted(new LoaderStarted(1, "p", "first", t0.AddSeconds(1), null));
        registry.OnLoaderStarted(new LoaderStarted(4, "p", "ended", t0, null));
        registry.OnLoaderEnded(new LoaderStarted(4, "p", "ended", t0, null), new LoaderTiming("p", "ended", false, TimeSpan.Zero, Ms, LoaderOutcome.Ok));

        Assert.Equal(["first", "same-second", "late"], registry.Running.Select(l => l.Name));
        Assert.Equal(3, registry.Count);
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
