using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>The site-wide announcement from <c>site_settings</c>, shown on several pages.</summary>
public static class SiteAnnouncement
{
    /// <summary>The cache key every page's announcement loader shares.</summary>
    public const string CacheKey = "announcement";

    /// <summary>The compiled query, tagged with the loader name of the page that runs it.</summary>
    public static CompiledQuery<Func<AppDbContext, CancellationToken, Task<string?>>> Query(string loaderName) =>
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) =>
            db.SiteSettings.TagWith(loaderName)
                .Where(s => s.Key == DemoSeed.AnnouncementKey)
                .Select(s => s.Value)
                .FirstOrDefault()));
}
