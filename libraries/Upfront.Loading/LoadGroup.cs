using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;

namespace Upfront.Loading;

/// <summary>
/// Runs a page's loaders together, like Go's errgroup. R1: every loader starts when added and gets the group token,
/// linked to the request token. R2: the first failing required loader cancels the group token. R3:
/// <see cref="WaitAsync"/> finishes only after every loader task has finished, even one that ignores its token.
/// R4: if the request token fired it throws an <see cref="OperationCanceledException"/> carrying the request token;
/// otherwise it rethrows the first real failure itself (never an <see cref="AggregateException"/>) and logs the
/// others; cancellations the group caused are not errors. R5: an optional loader has its own budget (timed by the
/// <see cref="TimeProvider"/>) and on failure or timeout is degraded, logged, and does not cancel its siblings.
/// R6: each loader's start offset, duration and outcome are recorded and observers are notified. R7: at most
/// <c>MaxConcurrency</c> loader bodies run at once (0 = unlimited); the rest wait their turn under the group token.
/// Each loader also runs inside an <see cref="Activity"/> named after it (source <see cref="LoadingOptions.ActivitySourceName"/>),
/// a child of the request's, when something listens (OpenTelemetry); otherwise none is created.
/// Create one with <see cref="LoadGroupFactory.Create"/>, add loaders, await <see cref="WaitAsync"/> once, then read
/// each <see cref="Loader{T}.Value"/>.
/// </summary>
public sealed partial class LoadGroup : IDisposable
{
    private static long _nextId;

    private readonly string _page;
    private readonly CancellationToken _requestToken;
    private readonly CancellationTokenSource _cts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim? _gate;
    private readonly ILogger<LoadGroup> _logger;
    private readonly ActivitySource _activities;
    private readonly IReadOnlyList<ILoadGroupObserver> _observers;
    private readonly string? _traceId;
    private readonly DateTimeOffset _startedAt;
    private readonly long _startTimestamp;
    private readonly List<Task> _tasks = [];
    private readonly List<LoaderTiming?> _timings = []; // one slot per loader, in the order they were added
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _sealed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Failure? _firstFailure;
    private int _waitCalled;

    internal LoadGroup(
        string page,
        CancellationToken requestToken,
        TimeProvider time,
        int maxConcurrency,
        ILogger<LoadGroup> logger,
        ActivitySource activities,
        IReadOnlyList<ILoadGroupObserver> observers,
        string? traceId)
    {
        _page = page;
        _requestToken = requestToken;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
        _time = time;
        _gate = maxConcurrency > 0 ? new SemaphoreSlim(maxConcurrency, maxConcurrency) : null;
        MaxConcurrency = maxConcurrency;
        _logger = logger;
        _activities = activities;
        _observers = observers;
        _traceId = traceId;
        _startedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
    }

    /// <summary>The page (group) name, as its timings, logs and metrics give it.</summary>
    public string Page => _page;

    /// <summary>Most loader bodies running at once (<see cref="LoadingOptions.MaxConcurrency"/>); 0 is unlimited.</summary>
    public int MaxConcurrency { get; }

    /// <summary>
    /// Completes when no more loaders can be added: <see cref="WaitAsync"/> was called, or the group was disposed. Code
    /// that gathers the loaders' work (a batch of their statements) knows from it that the last loader has been added.
    /// </summary>
#pragma warning disable VSTHRD003 // a signal, not work: it completes when WaitAsync is called or the group is disposed
    public Task Sealed => _sealed.Task;
#pragma warning restore VSTHRD003

    /// <summary>The group token: cancelled by the request token, the first required failure, or disposal.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The timings of the finished loaders, in the order they were added; complete after WaitAsync.</summary>
    public IReadOnlyList<LoaderTiming> Timings
    {
        get
        {
            lock (_lock)
            {
                return [.. _timings.OfType<LoaderTiming>()];
            }
        }
    }

    /// <summary>Starts a loader whose failure fails the page. Call from the request flow, before WaitAsync.</summary>
    public Loader<T> Required<T>(string name, Func<CancellationToken, Task<T>> load) => Add(name, budget: null, load);

    /// <summary>Starts a loader the page can render without, allowed <paramref name="budget"/> from now.</summary>
    public Loader<T> Optional<T>(string name, TimeSpan budget, Func<CancellationToken, Task<T>> load)
    {
        // Checked here so that a bad budget throws to the caller rather than inside the loader task.
        if (budget <= TimeSpan.Zero && budget != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The budget must be positive or infinite.");
        }

        return Add(name, budget, load);
    }

    /// <summary>Waits for every loader; see the class summary for what it throws. May be called once.</summary>
    /// <exception cref="OperationCanceledException">The request token fired (the deadline, or the client left).</exception>
    public async Task WaitAsync()
    {
        if (Interlocked.Exchange(ref _waitCalled, 1) != 0)
        {
            throw new InvalidOperationException("WaitAsync may be called only once.");
        }

        _sealed.TrySetResult();

        try
        {
            // Never faults: each loader task catches and classifies its own exception.
            await Task.WhenAll(_tasks).ConfigureAwait(false);

            if (_requestToken.IsCancellationRequested)
            {
                // The deadline or the client ended the request: that is the honest error, whatever else failed.
                if (_firstFailure is { } failure)
                {
                    LogFailedBeforeCancellation(_page, failure.Loader, failure.Error.SourceException);
                }

                throw new OperationCanceledException("The request ended while the page was loading.", _firstFailure?.Error.SourceException, _requestToken);
            }

            _firstFailure?.Error.Throw(); // rethrown as itself, with its original stack
        }
        finally
        {
            var load = new PageLoad(_page, _startedAt, _time.GetElapsedTime(_startTimestamp), Timings, _traceId);
            Notify(load, static (o, load) => o.OnGroupCompleted(load));
        }
    }

    /// <summary>Releases the group's token; a group abandoned before its loaders finished cancels them instead.</summary>
    public void Dispose()
    {
        _sealed.TrySetResult();
        if (_tasks.TrueForAll(t => t.IsCompleted))
        {
            _cts.Dispose();
            _gate?.Dispose();
        }
        else
        {
            // Abandoned without WaitAsync: stop the loaders, and leave the sources to the GC so that a loader still
            // running never touches a disposed one.
            _cts.Cancel();
        }
    }

    private Loader<T> Add<T>(string name, TimeSpan? budget, Func<CancellationToken, Task<T>> load)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(load);
        if (Volatile.Read(ref _waitCalled) != 0)
        {
            throw new InvalidOperationException("Loaders must be added before WaitAsync is called.");
        }

        int index;
        lock (_lock)
        {
            index = _timings.Count;
            _timings.Add(null);
        }

        var loader = new Loader<T>(name);
        _tasks.Add(RunAsync(loader, index, budget, load));
        return loader;
    }

    // Runs synchronously up to the body's first await, so every loader has started when Add returns (R1).
    private async Task RunAsync<T>(Loader<T> loader, int index, TimeSpan? budget, Func<CancellationToken, Task<T>> load)
    {
        var started = new LoaderStarted(Interlocked.Increment(ref _nextId), _page, loader.Name, _time.GetUtcNow(), _traceId);
        Notify(started, static (o, started) => o.OnLoaderStarted(started));
        CurrentLoader.Enter(loader.Name);

        // Null unless a listener wants it. Set as current here, so the loader's own calls (Npgsql commands,
        // HTTP) become its children; this async method restores the caller's current activity when it yields.
        using var activity = _activities.StartActivity(loader.Name);
        activity?.SetTag("upfront.page", _page);
        activity?.SetTag("upfront.loader.optional", budget is not null);

        // The budget timer starts now, so time spent waiting for a slot (R7) counts against it.
        using var budgetCts = budget is { } b ? new CancellationTokenSource(b, _time) : null;
        using var linked = budgetCts is null ? null : CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, budgetCts.Token);
        var token = linked?.Token ?? _cts.Token;

        var bodyStart = _time.GetTimestamp();
        var outcome = LoaderOutcome.Canceled;
        var holdsSlot = false;
        try
        {
            if (_gate is not null)
            {
                await _gate.WaitAsync(token).ConfigureAwait(false);
                holdsSlot = true;
                bodyStart = _time.GetTimestamp();
            }

            // A group that has already failed does not start new work.
            token.ThrowIfCancellationRequested();
            loader.SetValue(await load(token).ConfigureAwait(false));
            outcome = LoaderOutcome.Ok;
        }
        catch (Exception ex)
        {
            outcome = OnLoaderException(loader.Name, budgetCts, ex);
            if (outcome == LoaderOutcome.Degraded)
            {
                loader.SetDegraded();
            }

            if (activity is not null && outcome is LoaderOutcome.Faulted or LoaderOutcome.Degraded)
            {
                activity.AddException(ex);
                activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            }
        }
        finally
        {
            if (holdsSlot)
            {
                _gate!.Release();
            }

            var timing = new LoaderTiming(
                _page,
                loader.Name,
                budget is not null,
                _time.GetElapsedTime(_startTimestamp, bodyStart),
                _time.GetElapsedTime(bodyStart),
                outcome);
            lock (_lock)
            {
                _timings[index] = timing;
            }

            activity?.SetTag("upfront.loader.outcome", outcome.Name());
            Notify((started, timing), static (o, ended) => o.OnLoaderEnded(ended.started, ended.timing));
        }
    }

    private LoaderOutcome OnLoaderException(string name, CancellationTokenSource? budgetCts, Exception ex)
    {
        // The group was cancelled (request ended, or a sibling failed): this loader stopping is not an error (R4).
        if (ex is OperationCanceledException && _cts.IsCancellationRequested)
        {
            return LoaderOutcome.Canceled;
        }

        if (budgetCts is not null)
        {
            // The request ending while an optional runs is a request cancellation, not a degrade (R5).
            if (_requestToken.IsCancellationRequested)
            {
                return LoaderOutcome.Canceled;
            }

            if (budgetCts.IsCancellationRequested)
            {
                LogBudgetExceeded(_page, name);
            }
            else
            {
                LogOptionalFailed(_page, name, ex);
            }

            return LoaderOutcome.Degraded;
        }

        // The first failure is kept to be thrown and cancels the siblings; later ones can only be logged.
        if (Interlocked.CompareExchange(ref _firstFailure, new Failure(name, ExceptionDispatchInfo.Capture(ex)), null) is null)
        {
            _cts.Cancel();
        }
        else
        {
            LogAlsoFailed(_page, name, ex);
        }

        return LoaderOutcome.Faulted;
    }

    // An observer (metrics, in-flight registry) must never break a page load. The state is passed in, so that the
    // static callbacks capture nothing: no closure and no delegate per notification.
    private void Notify<TState>(TState state, Action<ILoadGroupObserver, TState> notify)
    {
        foreach (var observer in _observers)
        {
            try
            {
                notify(observer, state);
            }
            catch (Exception ex)
            {
                LogObserverFailed(_page, observer.GetType().Name, ex);
            }
        }
    }

    private sealed record Failure(string Loader, ExceptionDispatchInfo Error);

    [LoggerMessage(1, LogLevel.Warning, "Loader {Loader} of page {Page} also failed; only the first failure is thrown")]
    private partial void LogAlsoFailed(string page, string loader, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Optional loader {Loader} of page {Page} failed; rendering without it")]
    private partial void LogOptionalFailed(string page, string loader, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Optional loader {Loader} of page {Page} exceeded its budget; rendering without it")]
    private partial void LogBudgetExceeded(string page, string loader);

    [LoggerMessage(4, LogLevel.Warning, "Loader {Loader} of page {Page} failed before the request ended")]
    private partial void LogFailedBeforeCancellation(string page, string loader, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Load group observer {Observer} failed on page {Page}")]
    private partial void LogObserverFailed(string page, string observer, Exception exception);
}
