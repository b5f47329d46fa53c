using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// One running site per provider, shared by tests that only read pages: a <see cref="TestSite"/> on a fresh copy of the
/// seed with its clock standing still (<see cref="TestSite.WithFixedClock"/>), so pages render the same HTML on every
/// run. It records no page views: views recorded by one test would change the counts that another test reads from the
/// seed, depending on the order they run in.
/// </summary>
public static class Sites
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<DatabaseProvider, Task<WebAppFactory>> Started = [];

    public static DemoData Seed { get; } = DemoSeed.Generate(DemoSeedOptions.Default);

    public static async Task<HttpClient> ClientAsync(DatabaseProvider provider)
    {
        Task<WebAppFactory> site;
        lock (Gate)
        {
            if (!Started.TryGetValue(provider, out site!))
            {
                site = TestSite.On(provider).WithoutPageViews().WithFixedClock().StartAsync();
                Started[provider] = site;
            }
        }

        return (await site).CreateClient();
    }

    /// <summary>Stops the sites (<see cref="TestEnvironment"/>, after the last test).</summary>
    internal static async Task StopAsync()
    {
        Task<WebAppFactory>[] sites;
        lock (Gate)
        {
            sites = [.. Started.Values];
            Started.Clear();
        }

        foreach (var site in sites)
        {
            try
            {
                await (await site).DisposeAsync();
            }
            catch (Exception) when (site.IsFaulted)
            {
                // A site that never started has nothing to stop; its test already failed.
            }
        }
    }
}
