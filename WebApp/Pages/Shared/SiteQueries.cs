using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>The site-wide figures that more than one page shows, through <see cref="SiteCache"/>.</summary>
public static class SiteQueries
{
    /// <summary>The announcement from <c>site_settings</c>, or null.</summary>
    public static Task<string?> AnnouncementAsync(AppDbContext db, IMemoryCache cache, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(SiteCache.AnnouncementKey, () => Announcement.For(db)(db, cancellationToken));

    /// <summary>How many users there are (the home page's count, the unfiltered directory's total).</summary>
    public static Task<int> UserCountAsync(AppDbContext db, IMemoryCache cache, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(SiteCache.UserCountKey, () => UserCount.For(db)(db, cancellationToken));

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<string?>>> Announcement =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) =>
            db.SiteSettings
                .Where(s => s.Key == DemoSeed.AnnouncementKey)
                .Select(s => s.Value)
                .FirstOrDefault()));

    private static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<int>>> UserCount =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) => db.Users.Count()));
}
