using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// One running site per provider, shared by tests that only read pages. Its database is a fresh copy
/// of the seed and its clock stands still at the seed's reference time, so pages render the same
/// HTML on every run. It records no page views: views recorded by one test would change the counts
/// that another test reads from the seed, depending on the order they run in.
/// </summary>
public static class Sites
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<DatabaseProvider, Task<WebAppFactory>> Started = [];
    private static readonly Dictionary<string, string?> ReadOnly = new() { ["PageViews:Enabled"] = "false" };

    public static DemoData Seed { get; } = DemoSeed.Generate(DemoSeedOptions.Default);

    public static async Task<HttpClient> ClientAsync(DatabaseProvider provider)
    {
        Task<WebAppFactory> site;
        lock (Gate)
        {
            if (!Started.TryGetValue(provider, out site!))
            {
                site = WebAppFactory.StartAsync(provider, ReadOnly, FixedClock);
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

    /// <summary>Replaces the app's clock with one stopped at the seed's reference time.</summary>
    public static void FixedClock(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime))));
}
