using System.Diagnostics;
using Upfront.Loading;

namespace Upfront.Tests.Loading;

/// <summary>
/// The LoadGroup rules R1-R7. Every step is driven by TaskCompletionSources and a FakeTimeProvider: no sleeps and
/// no real-time delays (Task.Delay(Infinite, token) only stands for "a loader that honours its token").
/// The Timeout is a safety net against a hang, not a timing assertion.
/// </summary>
public sealed class LoadGroupTests
{
    private const int SafetyTimeout = 30_000;
    private static readonly TimeSpan _ms = TimeSpan.FromMilliseconds(1);

    [Fact(Timeout = SafetyTimeout)]
    public async Task CurrentLoader_InsideEachLoaderAfterItsAwaits_IsItsNameAndNeverTheCallers()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var release = Signal.New();

        var loaders = new[] { "page.first", "page.second" }.Select(name => group.Required(name, async _ =>
        {
            var before = CurrentLoader.Name;
            await release.Task;
            await Task.Yield();
            return (before, after: CurrentLoader.Name);
        })).ToArray();

        Assert.Null(CurrentLoader.Name);
        release.SetResult();
        await group.WaitAsync();
        Assert.Null(CurrentLoader.Name);
        Assert.Equal([("page.first", "page.first"), ("page.second", "page.second")], loaders.Select(l => l.Value));
    }

    // R1
    [Fact(Timeout = SafetyTimeout)]
    public async Task Required_ThreeLoaders_AllStartBeforeAnyCompletes()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        TaskCompletionSource[] started = [Signal.New(), Signal.New(), Signal.New()];
        var release = Signal.New();
        var completed = 0;

        var loaders = Enumerable.Range(0, 3).Select(i => group.Required($"loader-{i}", async _ =>
        {
            started[i].SetResult();
            await release.Task;
            Interlocked.Increment(ref completed);
            return i * 10;
        })).ToArray();

        // Every loader reports it started while none is allowed to complete yet.
        await Task.WhenAll(started.Select(s => s.Task));
        Assert.Equal(0, Volatile.Read(ref completed));

        release.SetResult();
        await group.WaitAsync();
        Assert.Equal(3, completed);
        Assert.Equal([0, 10, 20], loaders.Select(l => l.Value));
    }

    // R1
    [Fact(Timeout = SafetyTimeout)]
    public async Task Token_RequestCancelled_CancelsEveryLoaderToken()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource();
        using var group = f.CreateForRequest(request.Token);
        var tokens = new CancellationToken[3];
        TaskCompletionSource[] started = [Signal.New(), Signal.New(), Signal.New()];
        foreach (var i in Enumerable.Range(0, 3))
        {
            group.Required($"loader-{i}", async ct =>
            {
                tokens[i] = ct;
                started[i].SetResult();
                await Task.Delay(Timeout.Infinite, ct);
                return i;
            });
        }

        await Task.WhenAll(started.Select(s => s.Task));
        Assert.All(tokens, t => Assert.Equal(group.Token, t));
        Assert.All(tokens, t => Assert.False(t.IsCancellationRequested));

        request.Cancel();

        Assert.All(tokens, t => Assert.True(t.IsCancellationRequested));
        var ex = await Assert.ThrowsAsync<OperationCanceledException>(group.WaitAsync);
        Assert.Equal(request.Token, ex.CancellationToken);
    }

    // R2
    [Fact(Timeout = SafetyTimeout)]
    public async Task Required_LoaderThrows_CancelsSiblingAndThrowsItsException()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var fail = Signal.New();
        var siblingSawCancellation = Signal.New();
        var boom = new InvalidOperationException("A failed");

        group.Required<int>("a", async _ =>
        {
            await fail.Task;
            throw boom;
        });
        group.Required("b", async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                siblingSawCancellation.SetResult();
                throw;
            }

            return 1;
        });

        fail.SetResult();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);
        Assert.Same(boom, ex);
        Assert.True(siblingSawCancellation.Task.IsCompletedSuccessfully);
        Assert.True(group.Token.IsCancellationRequested);
        Assert.Equal([LoaderOutcome.Faulted, LoaderOutcome.Canceled], group.Timings.Select(t => t.Outcome));
    }

    // R3
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_SiblingIgnoresToken_WaitsForItAfterFailure()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var fail = Signal.New();
        var release = Signal.New();

        group.Required<int>("fails", async _ =>
        {
            await fail.Task;
            throw new InvalidOperationException("boom");
        });
        // This loader ignores its token. The cost: after the failure, the page still waits for it to finish on
        // its own, because the group never leaves an orphan task behind.
        var stubborn = group.Required("ignores-token", async _ =>
        {
            await release.Task;
            return 42;
        });

        fail.SetResult();
        await Signal.WhenCancelled(group.Token);
        var wait = group.WaitAsync();

        Assert.False(wait.IsCompleted);

        release.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => wait);
        Assert.Equal(42, stubborn.Value);
        Assert.Equal([LoaderOutcome.Faulted, LoaderOutcome.Ok], group.Timings.Select(t => t.Outcome));
    }

    // R4 (a)
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_TwoLoadersFail_ThrowsFirstAndLogsSecond()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var first = new InvalidOperationException("first");
        var second = new FormatException("second");
        var failFirst = Signal.New();
        var failSecond = Signal.New();

        group.Required<int>("alpha", async _ =>
        {
            await failFirst.Task;
            throw first;
        });
        group.Required<int>("beta", async _ =>
        {
            await failSecond.Task;
            throw second;
        });

        failFirst.SetResult();
        await Signal.WhenCancelled(group.Token); // alpha's failure is recorded before the group is cancelled
        failSecond.SetResult();

        var ex = await Record.ExceptionAsync(group.WaitAsync);
        Assert.Same(first, ex);
        var logged = Assert.Single(f.Warnings);
        Assert.Same(second, logged.Exception);
        Assert.Contains("beta", logged.Message, StringComparison.Ordinal);
        Assert.Equal([LoaderOutcome.Faulted, LoaderOutcome.Faulted], group.Timings.Select(t => t.Outcome));
    }

    // R4 (b)
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_RequestDeadlinePasses_ThrowsCancellationCarryingRequestToken()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource(TimeSpan.FromSeconds(5), f.Time);
        using var group = f.CreateForRequest(request.Token);
        group.Required("a", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });
        group.Required("b", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 2;
        });
        var wait = group.WaitAsync();

        f.Time.Advance(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<OperationCanceledException>(() => wait);
        Assert.Equal(request.Token, ex.CancellationToken);
        Assert.All(group.Timings, t => Assert.Equal(LoaderOutcome.Canceled, t.Outcome));
        Assert.Empty(f.Warnings);
    }

    // R4 (b), a failure before the request ended: the request cancellation still wins, the failure is logged.
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_RequestCancelledAfterFailure_ThrowsCancellationAndLogsFailure()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource();
        using var group = f.CreateForRequest(request.Token);
        var fail = Signal.New();
        var release = Signal.New();
        var boom = new InvalidOperationException("boom");
        group.Required<int>("fails", async _ =>
        {
            await fail.Task;
            throw boom;
        });
        group.Required("slow", async _ =>
        {
            await release.Task;
            return 1;
        });

        fail.SetResult();
        await Signal.WhenCancelled(group.Token);
        request.Cancel();
        release.SetResult();

        var ex = await Assert.ThrowsAsync<OperationCanceledException>(group.WaitAsync);
        Assert.Equal(request.Token, ex.CancellationToken);
        Assert.Same(boom, ex.InnerException);
        var logged = Assert.Single(f.Warnings);
        Assert.Same(boom, logged.Exception);
        Assert.Contains("fails", logged.Message, StringComparison.Ordinal);
    }

    // R4 (c)
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_LoaderFails_ThrowsOriginalExceptionWithItsStack()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        group.Required("a", _ => LoadThatThrowsAsync());
        group.Required("b", _ => LoadThatThrowsAsync());

        var ex = await Record.ExceptionAsync(group.WaitAsync);

        Assert.IsNotType<AggregateException>(ex);
        var thrown = Assert.IsType<InvalidOperationException>(ex);
        Assert.Contains(nameof(LoadThatThrowsAsync), thrown.StackTrace, StringComparison.Ordinal);
    }

    // R4 (d)
    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_SiblingsCancelledByGroup_AreNotLoggedOrThrown()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var fail = Signal.New();
        var boom = new InvalidOperationException("boom");
        group.Required<int>("fails", async _ =>
        {
            await fail.Task;
            throw boom;
        });
        group.Required("honours-token", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });
        group.Optional("optional-honours-token", TimeSpan.FromSeconds(1), async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 2;
        });

        fail.SetResult();

        var ex = await Record.ExceptionAsync(group.WaitAsync);
        Assert.Same(boom, ex);
        Assert.Empty(f.Warnings);
        Assert.Equal(
            [LoaderOutcome.Faulted, LoaderOutcome.Canceled, LoaderOutcome.Canceled],
            group.Timings.Select(t => t.Outcome));
    }

    // R5
    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_BudgetExceeded_IsDegradedAndRequiredSiblingCompletes()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var release = Signal.New<int>();
        var required = group.Required("main", _ => release.Task);
        var optional = group.Optional("extras", 100 * _ms, async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });

        f.Time.Advance(99 * _ms);
        Assert.DoesNotContain(group.Timings, t => t.Name == "extras");
        f.Time.Advance(_ms);
        var extras = await f.Observer.WhenEnded("extras");
        Assert.Equal(LoaderOutcome.Degraded, extras.Outcome);
        Assert.False(group.Token.IsCancellationRequested);

        release.SetResult(7);
        await group.WaitAsync();

        Assert.Equal(7, required.Value);
        Assert.True(optional.IsDegraded);
        Assert.Null(optional.ValueOrDefault);
        Assert.Throws<InvalidOperationException>(() => optional.Value);
        Assert.Equal(
            [
                new LoaderTiming("test-page", "main", false, TimeSpan.Zero, 100 * _ms, LoaderOutcome.Ok),
                new LoaderTiming("test-page", "extras", true, TimeSpan.Zero, 100 * _ms, LoaderOutcome.Degraded),
            ],
            group.Timings);
        var logged = Assert.Single(f.Warnings);
        Assert.Contains("extras", logged.Message, StringComparison.Ordinal);
        Assert.Contains("budget", logged.Message, StringComparison.Ordinal);
    }

    // R5
    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_Throws_IsDegradedAndDoesNotCancelSiblings()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var fail = Signal.New();
        var release = Signal.New<int>();
        var down = new HttpRequestException("recommendations service down");
        var required = group.Required("main", async ct => await release.Task.WaitAsync(ct));
        var optional = group.Optional<string>("recommendations", TimeSpan.FromSeconds(1), async _ =>
        {
            await fail.Task;
            throw down;
        });
        var syncThrow = group.Optional<string>("throws-synchronously", TimeSpan.FromSeconds(1), _ => throw new InvalidOperationException("sync"));

        fail.SetResult();
        await f.Observer.WhenEnded("recommendations");
        Assert.False(group.Token.IsCancellationRequested);

        release.SetResult(7);
        await group.WaitAsync();

        Assert.Equal(7, required.Value);
        Assert.True(optional.IsDegraded);
        Assert.True(syncThrow.IsDegraded);
        Assert.Equal(
            [LoaderOutcome.Ok, LoaderOutcome.Degraded, LoaderOutcome.Degraded],
            group.Timings.Select(t => t.Outcome));
        Assert.Contains(f.Warnings, e => e.Exception == down && e.Message.Contains("recommendations", StringComparison.Ordinal));
    }

    // R5 + R4: the request ending while an optional runs is a request cancellation, not a degrade.
    [Fact(Timeout = SafetyTimeout)]
    public async Task Optional_RequestCancelledWhileRunning_ThrowsRequestCancellation()
    {
        var f = new LoadingFixture();
        using var request = new CancellationTokenSource();
        using var group = f.CreateForRequest(request.Token);
        var optional = group.Optional("extras", TimeSpan.FromSeconds(1), async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });

        request.Cancel();

        var ex = await Assert.ThrowsAsync<OperationCanceledException>(group.WaitAsync);
        Assert.Equal(request.Token, ex.CancellationToken);
        Assert.False(optional.IsDegraded);
        Assert.Equal(LoaderOutcome.Canceled, Assert.Single(group.Timings).Outcome);
        Assert.Empty(f.Warnings);
    }

    // R6
    [Fact(Timeout = SafetyTimeout)]
    public async Task Timings_UnderFakeTime_RecordExactStartOffsetAndDuration()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var release = Signal.New<int>();
        group.Required("first", _ => release.Task);
        f.Time.Advance(5 * _ms);
        group.Required("second", async _ => await release.Task + 1);
        f.Time.Advance(15 * _ms);

        release.SetResult(1);
        await group.WaitAsync();

        Assert.Equal(
            [
                new LoaderTiming("test-page", "first", false, TimeSpan.Zero, 20 * _ms, LoaderOutcome.Ok),
                new LoaderTiming("test-page", "second", false, 5 * _ms, 15 * _ms, LoaderOutcome.Ok),
            ],
            group.Timings);
        var load = Assert.Single(f.Observer.Completed);
        Assert.Equal(20 * _ms, load.Duration);
        Assert.Equal(group.Timings, load.Loaders);
    }

    // R6
    [Fact(Timeout = SafetyTimeout)]
    public async Task Observers_EveryOutcome_GetStartedAndEndedPerLoaderAndOneGroupCompleted()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var fail = Signal.New();
        group.Required("ok", _ => Task.FromResult(1));
        group.Optional<int>("degraded", TimeSpan.FromSeconds(1), _ => throw new InvalidOperationException("optional"));
        group.Required("canceled", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });
        group.Required<int>("faulted", async _ =>
        {
            await fail.Task;
            throw new InvalidOperationException("required");
        });

        fail.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);

        string[] names = ["ok", "degraded", "canceled", "faulted"];
        Assert.Equal(names, f.Observer.Started.Select(s => s.Name));
        Assert.Equal(4, f.Observer.Started.Select(s => s.Id).Distinct().Count());
        Assert.All(f.Observer.Started, s => Assert.Equal("test-page", s.Page));
        var ended = f.Observer.Ended.ToDictionary(e => e.Timing.Name);
        Assert.Equal(LoaderOutcome.Ok, ended["ok"].Timing.Outcome);
        Assert.Equal(LoaderOutcome.Degraded, ended["degraded"].Timing.Outcome);
        Assert.Equal(LoaderOutcome.Canceled, ended["canceled"].Timing.Outcome);
        Assert.Equal(LoaderOutcome.Faulted, ended["faulted"].Timing.Outcome);
        Assert.All(f.Observer.Started, s => Assert.Same(s, ended[s.Name].Loader));
        var load = Assert.Single(f.Observer.Completed);
        Assert.Equal("test-page", load.Page);
        Assert.Equal(names, load.Loaders.Select(l => l.Name));
    }

    // R6
    [Fact(Timeout = SafetyTimeout)]
    public async Task Create_WithCurrentActivity_RecordsItsTraceId()
    {
        using var activity = new Activity("page-load").Start();
        var f = new LoadingFixture();
        using var group = f.Create();
        group.Required("ok", _ => Task.FromResult(1));

        await group.WaitAsync();

        var expected = activity.TraceId.ToString();
        Assert.Equal(expected, Assert.Single(f.Observer.Started).TraceId);
        Assert.Equal(expected, Assert.Single(f.Observer.Completed).TraceId);
    }

    // R7
    [Fact(Timeout = SafetyTimeout)]
    public async Task MaxConcurrency_One_RunsLoadersOneAtATime()
    {
        var f = new LoadingFixture(maxConcurrency: 1);
        using var group = f.Create();
        var probe = new ConcurrencyProbe(group, 3);

        Assert.True(probe.Entered[0].Task.IsCompleted);
        Assert.False(probe.Entered[1].Task.IsCompleted);
        f.Time.Advance(10 * _ms);
        probe.Release[0].SetResult();
        await probe.Entered[1].Task;
        Assert.False(probe.Entered[2].Task.IsCompleted);
        probe.Release[1].SetResult();
        await probe.Entered[2].Task;
        probe.Release[2].SetResult();
        await group.WaitAsync();

        Assert.Equal(1, probe.MaxRunning);
        Assert.Equal([0, 1, 2], probe.Loaders.Select(l => l.Value));
        // The second loader's body started when the first gave up its slot.
        Assert.Equal([TimeSpan.Zero, 10 * _ms, 10 * _ms], group.Timings.Select(t => t.StartOffset));
    }

    // R7
    [Fact(Timeout = SafetyTimeout)]
    public async Task MaxConcurrency_Two_RunsAtMostTwoAtOnce()
    {
        var f = new LoadingFixture(maxConcurrency: 2);
        using var group = f.Create();
        var probe = new ConcurrencyProbe(group, 3);

        await Task.WhenAll(probe.Entered[0].Task, probe.Entered[1].Task);
        Assert.False(probe.Entered[2].Task.IsCompleted);
        probe.Release[1].SetResult();
        await probe.Entered[2].Task;
        probe.Release[0].SetResult();
        probe.Release[2].SetResult();
        await group.WaitAsync();

        Assert.Equal(2, probe.MaxRunning);
    }

    // R7: loaders waiting for a slot wait under the group token.
    [Fact(Timeout = SafetyTimeout)]
    public async Task MaxConcurrency_GroupFails_QueuedLoaderNeverRuns()
    {
        var f = new LoadingFixture(maxConcurrency: 1);
        using var group = f.Create();
        var fail = Signal.New();
        var queuedRan = false;
        group.Required<int>("fails", async _ =>
        {
            await fail.Task;
            throw new InvalidOperationException("boom");
        });
        group.Required("queued", _ =>
        {
            queuedRan = true;
            return Task.FromResult(1);
        });

        fail.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);

        Assert.False(queuedRan);
        Assert.Equal([LoaderOutcome.Faulted, LoaderOutcome.Canceled], group.Timings.Select(t => t.Outcome));
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task WaitAsync_CalledTwiceOrLoaderAddedAfter_Throws()
    {
        var f = new LoadingFixture();
        using var group = f.Create();
        var pending = Signal.New<int>();
        var loader = group.Required("a", _ => pending.Task);

        Assert.Throws<InvalidOperationException>(() => loader.Value);
        Assert.Equal(0, loader.ValueOrDefault);
        Assert.False(loader.IsDegraded);

        pending.SetResult(1);
        await group.WaitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(group.WaitAsync);
        Assert.Throws<InvalidOperationException>(() => group.Required("late", _ => Task.FromResult(1)));
    }

    [Fact(Timeout = SafetyTimeout)]
    public async Task Dispose_LoadersStillRunning_CancelsThem()
    {
        var f = new LoadingFixture();
        var group = f.Create();
        var ended = f.Observer.WhenEnded("a");
        group.Required("a", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        });

        group.Dispose();

        Assert.Equal(LoaderOutcome.Canceled, (await ended).Outcome);
    }

    private static async Task<int> LoadThatThrowsAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("boom");
    }

    /// <summary>Loaders that count how many of their bodies run at once; each waits for its own release.</summary>
    private sealed class ConcurrencyProbe
    {
        private int _running;
        private int _maxRunning;

        public ConcurrencyProbe(LoadGroup group, int count)
        {
            Entered = [.. Enumerable.Range(0, count).Select(_ => Signal.New())];
            Release = [.. Enumerable.Range(0, count).Select(_ => Signal.New())];
            Loaders = [.. Enumerable.Range(0, count).Select(i => group.Required($"loader-{i}", async _ =>
            {
                var running = Interlocked.Increment(ref _running);
                InterlockedMax(ref _maxRunning, running);
                Entered[i].SetResult();
                await Release[i].Task;
                Interlocked.Decrement(ref _running);
                return i;
            }))];
        }

        public TaskCompletionSource[] Entered { get; }

        public TaskCompletionSource[] Release { get; }

        public Loader<int>[] Loaders { get; }

        public int MaxRunning => Volatile.Read(ref _maxRunning);

        private static void InterlockedMax(ref int target, int value)
        {
            var current = Volatile.Read(ref target);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref target, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
