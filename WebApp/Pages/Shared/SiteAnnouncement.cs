using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>The site-wide announcement from <c>site_settings</c>, shown on several pages.</summary>
public static class SiteAnnouncement
{
    /// <summary>The cache key every page's announcement loader shares.</summary>
    public const string CacheKey = "announcement";

    public static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<string?>>> Query =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) =>
            db.SiteSettings
                .Where(s => s.Key == DemoSeed.AnnouncementKey)
                .Select(s => s.Value)
                .FirstOrDefault()));
}
