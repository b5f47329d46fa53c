using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>The site-wide announcement from <c>site_settings</c>, shown on several pages.</summary>
public static class SiteAnnouncement
{
    public static Task<string?> LoadAsync(AppDbContext db, string loaderName, CancellationToken cancellationToken) =>
        db.SiteSettings.TagWith(loaderName)
            .Where(s => s.Key == DemoSeed.AnnouncementKey)
            .Select(s => s.Value)
            .FirstOrDefaultAsync(cancellationToken);
}
