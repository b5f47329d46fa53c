using System.Collections.Concurrent;

namespace WebApp.Loading;

/// <summary>
/// Every loader running now (registered when it starts, removed when it ends, whatever the outcome)
/// and the last page loads with their loaders' timings. The leak checks read it; so does /debug/loaders.
/// </summary>
public sealed class InFlightRegistry : ILoadGroupObserver
{
    public const int RecentCapacity = 50;

    private readonly ConcurrentDictionary<long, LoaderStarted> _running = new();
    private readonly Queue<PageLoad> _recent = new(RecentCapacity);
    private readonly Lock _lock = new();

    public int Count => _running.Count;

    /// <summary>Running loaders, oldest first.</summary>
    public IReadOnlyList<LoaderStarted> Running => [.. _running.Values.OrderBy(l => l.StartedAt).ThenBy(l => l.Id)];

    /// <summary>Finished page loads, newest first.</summary>
    public IReadOnlyList<PageLoad> Recent
    {
        get
        {
            lock (_lock)
            {
                return [.. _recent.Reverse()];
            }
        }
    }

    public void OnLoaderStarted(LoaderStarted loader) => _running[loader.Id] = loader;

    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing) => _running.TryRemove(loader.Id, out _);

    public void OnGroupCompleted(PageLoad load)
    {
        lock (_lock)
        {
            if (_recent.Count == RecentCapacity)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(load);
        }
    }
}
