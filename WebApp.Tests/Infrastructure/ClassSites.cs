using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Sites private to one test class, one per provider: an xunit class fixture that starts a provider's site on the
/// class's first use of it and stops every site after the class's last test. A class's tests run one after another,
/// so a site's first use needs no lock.
/// </summary>
public abstract class ClassSites<TSite> : IAsyncDisposable
    where TSite : IAsyncDisposable
{
    private readonly Dictionary<DatabaseProvider, Task<TSite>> _started = [];

    public Task<TSite> GetAsync(DatabaseProvider provider)
    {
        if (!_started.TryGetValue(provider, out var site))
        {
            site = StartAsync(provider);
            _started[provider] = site;
        }

        return site;
    }

    protected abstract Task<TSite> StartAsync(DatabaseProvider provider);

    public async ValueTask DisposeAsync()
    {
        foreach (var site in _started.Values)
        {
            // A site that never started has nothing to stop; the test that asked for it has failed already.
            if (await site.ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default))
            {
                await site.Result.DisposeAsync();
            }
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A site and the log events it wrote.</summary>
public sealed record LoggedSite(WebAppFactory Factory, LogCapture Logs) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
