using Microsoft.Extensions.Caching.Memory;

namespace WebApp.Pages.Shared;

/// <summary>
/// The site-wide figures a page may show a little stale, one in-memory cache entry each, shared by every page that
/// shows them: a busy page asks the database for each at most once every <see cref="Staleness"/>.
/// </summary>
public static class SiteCache
{
    /// <summary>How old a cached figure may be. Counting 2 M posts takes a tenth of a second; a real site caches it too.</summary>
    public static readonly TimeSpan Staleness = TimeSpan.FromMinutes(1);

    public const string AnnouncementKey = "announcement";
    public const string UserCountKey = "user_count";
    public const string PostCountKey = "post_count";
    public const string FeaturedKey = "featured";

    /// <summary>Every key (tests evict them to reach the queries behind them).</summary>
    public static IReadOnlyList<string> Keys { get; } = [AnnouncementKey, UserCountKey, PostCountKey, FeaturedKey];

    /// <summary>
    /// The cached value of <paramref name="key"/>; on a miss, <paramref name="load"/>'s, run by the calling loader so that
    /// it ends with the request like any other (requests that miss together each run it). Not HybridCache: its shared
    /// fetch can outlive the request that started it.
    /// </summary>
    public static async Task<T> GetOrLoadAsync<T>(this IMemoryCache cache, string key, Func<Task<T>> load)
    {
        if (cache.Get(key) is Cached<T> hit)
        {
            return hit.Value;
        }

        var value = await load();
        cache.Set(key, new Cached<T>(value), Staleness);
        return value;
    }

    private sealed record Cached<T>(T Value);
}
