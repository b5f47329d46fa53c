using System.Collections.Concurrent;

namespace Upfront.Loading;

/// <summary>
/// Every loader running now (registered when it starts, removed when it ends, whatever the outcome)
/// and the last page loads with their loaders' timings: what a leak check reads after a test, and what a diagnostics
/// page shows.
/// </summary>
public sealed class InFlightRegistry : ILoadGroupObserver
{
    /// <summary>How many finished page loads <see cref="Recent"/> keeps.</summary>
    public const int RecentCapacity = 50;

    private readonly ConcurrentDictionary<long, LoaderStarted> _running = new();
    private readonly Queue<PageLoad> _recent = new(RecentCapacity);
    private readonly Lock _lock = new();

    /// <summary>Loaders running now.</summary>
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

    /// <inheritdoc/>
    public void OnLoaderStarted(LoaderStarted loader) => _running[loader.Id] = loader;

    /// <inheritdoc/>
    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing) => _running.TryRemove(loader.Id, out _);

    /// <inheritdoc/>
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
