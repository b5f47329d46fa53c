namespace Upfront.Loading;

/// <summary>
/// Told about every loader and every page load: metrics, the in-flight registry, a Server-Timing header, a request
/// log. Implement only what you need. An observer that throws is logged and never breaks a page load.
/// </summary>
public interface ILoadGroupObserver
{
    /// <summary>Called when the loader is added, before it may wait for a slot.</summary>
    void OnLoaderStarted(LoaderStarted loader)
    {
    }

    /// <summary>Called once per started loader, whatever the outcome.</summary>
    void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing)
    {
    }

    /// <summary>Called once, when <see cref="LoadGroup.WaitAsync"/> finishes (success or failure).</summary>
    void OnGroupCompleted(PageLoad load)
    {
    }
}
