using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Upfront.Loading;

/// <summary>Creates one <see cref="LoadGroup"/> per page load; a singleton (<see cref="LoadGroupServiceCollectionExtensions.AddLoadGroups"/>).</summary>
public sealed class LoadGroupFactory : IDisposable
{
    private readonly TimeProvider _time;
    private readonly int _maxConcurrency;
    private readonly ILogger<LoadGroup> _logger;
    private readonly ActivitySource _activities;
    private readonly ILoadGroupObserver[] _observers;

    /// <summary>A factory whose groups run on <paramref name="time"/> and report to <paramref name="observers"/>.</summary>
    public LoadGroupFactory(TimeProvider time, IOptions<LoadingOptions> options, ILogger<LoadGroup> logger, IEnumerable<ILoadGroupObserver> observers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Value.MaxConcurrency, nameof(LoadingOptions.MaxConcurrency));
        _time = time;
        _maxConcurrency = options.Value.MaxConcurrency;
        _logger = logger;
        _activities = new ActivitySource(options.Value.ActivitySourceName);
        _observers = [.. observers];
    }

    /// <summary>
    /// A group for one load of <paramref name="page"/> (its name in timings, logs and metrics) whose loaders stop when
    /// <paramref name="requestToken"/> fires: pass the request's token, which ASP.NET Core's request timeouts cancel at
    /// the deadline.
    /// </summary>
    public LoadGroup Create(string page, CancellationToken requestToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(page);
        return new LoadGroup(page, requestToken, _time, _maxConcurrency, _logger, _activities, _observers, Activity.Current?.TraceId.ToString());
    }

    /// <summary>Disposes the activity source.</summary>
    public void Dispose() => _activities.Dispose();
}
