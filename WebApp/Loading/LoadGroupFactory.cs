using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace WebApp.Loading;

/// <summary>Creates one <see cref="LoadGroup"/> per page load; a singleton.</summary>
public sealed class LoadGroupFactory(
    TimeProvider time,
    IOptions<LoadingOptions> options,
    ILogger<LoadGroup> logger,
    IEnumerable<ILoadGroupObserver> observers)
{
    private readonly ILoadGroupObserver[] _observers = [.. observers];

    public LoadGroup Create(string page, CancellationToken requestToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(page);
        var maxConcurrency = options.Value.MaxConcurrency;
        ArgumentOutOfRangeException.ThrowIfNegative(maxConcurrency, $"{LoadingOptions.Section}:{nameof(LoadingOptions.MaxConcurrency)}");
        return new LoadGroup(page, requestToken, time, maxConcurrency, logger, _observers, Activity.Current?.TraceId.ToString());
    }
}
