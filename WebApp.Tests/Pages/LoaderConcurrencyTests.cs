using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// LoadGroup R1 at page level, on both providers: every loader of a page starts within 1 ms of the first (its
/// start offset in the page's load record), so loaders that ran one after another would fail. Sequential
/// loaders on SQLite start a whole query apart (about 0.5 ms each, more on a busy machine); a page load on a
/// busy machine can be interrupted by the scheduler, so each page gets a few tries and the best one counts.
/// </summary>
[Collection(TimedCollection.Name)]
public sealed class LoaderConcurrencyTests(LoaderConcurrencyTests.Sites sites) : IClassFixture<LoaderConcurrencyTests.Sites>
{
    private static readonly TimeSpan Spread = TimeSpan.FromMilliseconds(1);
    private const int Tries = 5;

    public static TheoryData<DatabaseProvider, string> Pages()
    {
        var data = new TheoryData<DatabaseProvider, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.Postgres })
        {
            foreach (var page in PageFaultTests.PageLoaders.Keys)
            {
                data.Add(provider, page);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Loaders_AllStartWithin1MsOfTheFirst(DatabaseProvider provider, string page)
    {
        var factory = await sites.GetAsync(provider);
        var registry = factory.Services.GetRequiredService<InFlightRegistry>();
        var (url, loaders) = PageFaultTests.PageLoaders[page];
        var client = factory.CreateClient();

        var spreads = new List<(TimeSpan Spread, string Offsets)>();
        for (var i = 0; i < Tries; i++)
        {
            using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var load = registry.Recent.First(l => l.Page == page);
            Assert.Equal(loaders.Order(), load.Loaders.Select(l => l.Name).Order());

            var first = load.Loaders.Min(l => l.StartOffset);
            var last = load.Loaders.Max(l => l.StartOffset);
            spreads.Add((last - first, string.Join(", ", load.Loaders.Select(l => $"{l.Name} {l.StartOffset.TotalMilliseconds:0.###} ms"))));
        }

        var best = spreads.MinBy(s => s.Spread);
        Assert.True(best.Spread <= Spread, $"{page} on {provider}: the loaders started {best.Spread.TotalMilliseconds:0.###} ms apart at best ({best.Offsets}): one after another, not together");
    }

    /// <summary>One site per provider, with the real clock (not the fixed one of Infrastructure.Sites): start offsets are measured with it.</summary>
    public sealed class Sites : ClassSites<WebAppFactory>
    {
        protected override async Task<WebAppFactory> StartAsync(DatabaseProvider provider)
        {
            var factory = await TestSite.On(provider).WithoutPageViews().StartAsync();
            var client = factory.CreateClient();
            foreach (var (url, _) in PageFaultTests.PageLoaders.Values)
            {
                using var warm = await client.GetAsync(url, TestContext.Current.CancellationToken);
            }

            return factory;
        }
    }
}
