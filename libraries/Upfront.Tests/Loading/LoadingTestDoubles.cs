using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Upfront.Loading;

namespace Upfront.Tests.Loading;

internal sealed class RecordingObserver : ILoadGroupObserver
{
    private readonly ConcurrentQueue<LoaderStarted> _started = new();
    private readonly ConcurrentQueue<(LoaderStarted Loader, LoaderTiming Timing)> _ended = new();
    private readonly ConcurrentQueue<PageLoad> _completed = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<LoaderTiming>> _endedByName = new();

    public IReadOnlyList<LoaderStarted> Started => [.. _started];

    public IReadOnlyList<(LoaderStarted Loader, LoaderTiming Timing)> Ended => [.. _ended];

    public IReadOnlyList<PageLoad> Completed => [.. _completed];

    public void OnLoaderStarted(LoaderStarted loader) => _started.Enqueue(loader);

    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing)
    {
        _ended.Enqueue((loader, timing));
        EndedSignal(timing.Name).TrySetResult(timing);
    }

    /// <summary>Completes when the named loader has ended: lets a test wait for one loader deterministically.</summary>
    public Task<LoaderTiming> WhenEnded(string name) => EndedSignal(name).Task;

    public void OnGroupCompleted(PageLoad load) => _completed.Enqueue(load);

    private TaskCompletionSource<LoaderTiming> EndedSignal(string name) => _endedByName.GetOrAdd(name, _ => Signal.New<LoaderTiming>());
}

/// <summary>A factory wired to fake time, Microsoft's fake logger and a recording observer.</summary>
internal sealed class LoadingFixture
{
    public LoadingFixture(int maxConcurrency = 0)
    {
        Factory = new LoadGroupFactory(Time, Options.Create(new LoadingOptions { MaxConcurrency = maxConcurrency }), Logger, [Observer]);
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeLogger<LoadGroup> Logger { get; } = new();

    /// <summary>What the groups logged at Warning or above, in order.</summary>
    public IReadOnlyList<FakeLogRecord> Warnings => [.. Logger.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Warning)];

    public RecordingObserver Observer { get; } = new();

    public LoadGroupFactory Factory { get; }

    /// <summary>A group whose request never ends.</summary>
    public LoadGroup Create() => Factory.Create("test-page", CancellationToken.None);

    public LoadGroup CreateForRequest(CancellationToken requestToken) => Factory.Create("test-page", requestToken);
}

internal static class Signal
{
    public static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TaskCompletionSource<T> New<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes when the token is cancelled (a loader honouring its token).</summary>
    public static Task WhenCancelled(CancellationToken token)
    {
        var cancelled = New();
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }
}
