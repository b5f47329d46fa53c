namespace WebApp.Loading;

public enum LoaderOutcome
{
    Ok,
    Faulted,
    Canceled,
    Degraded,
}

/// <summary>
/// How one loader went. <see cref="StartOffset"/> is measured from the group start to the moment the loader body
/// ran (after waiting for a slot when concurrency is bounded), or to when it was added if it never ran.
/// </summary>
public sealed record LoaderTiming(string Page, string Name, bool Optional, TimeSpan StartOffset, TimeSpan Duration, LoaderOutcome Outcome);

/// <summary>One running loader, as seen by observers (for an in-flight registry added later).</summary>
public sealed record LoaderStarted(long Id, string Page, string Name, DateTimeOffset StartedAt, string? TraceId);

public sealed record PageLoad(string Page, DateTimeOffset StartedAt, TimeSpan Duration, IReadOnlyList<LoaderTiming> Loaders, string? TraceId);

public interface ILoadGroupObserver
{
    /// <summary>Called when the loader is added, before it may wait for a slot.</summary>
    void OnLoaderStarted(LoaderStarted loader);

    /// <summary>Always called once per started loader, whatever the outcome.</summary>
    void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing);

    /// <summary>Called once, when <see cref="LoadGroup.WaitAsync"/> finishes (success or failure).</summary>
    void OnGroupCompleted(PageLoad load);
}

/// <summary>Bound from the configuration section <see cref="Section"/>.</summary>
public sealed class LoadingOptions
{
    public const string Section = "Loading";

    /// <summary>The page deadline; applied by whoever creates the request token, not by the group.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most loader bodies running at once in one group; 0 means unlimited.</summary>
    public int MaxConcurrency { get; set; }
}
