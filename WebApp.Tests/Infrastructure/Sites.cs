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
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<DatabaseProvider, WebAppFactory> Started = [];
    private static readonly Dictionary<string, string?> ReadOnly = new() { ["PageViews:Enabled"] = "false" };

    public static DemoData Seed { get; } = DemoSeed.Generate(DemoSeedOptions.Default);

    public static async Task<HttpClient> ClientAsync(DatabaseProvider provider)
    {
        await Gate.WaitAsync();
        try
        {
            if (!Started.TryGetValue(provider, out var factory))
            {
                factory = await WebAppFactory.StartAsync(provider, ReadOnly, FixedClock);
                Started[provider] = factory;
            }

            return factory.CreateClient();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Replaces the app's clock with one stopped at the seed's reference time.</summary>
    public static void FixedClock(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime))));
}
