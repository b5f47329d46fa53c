using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using WebApp.Data;
using WebApp.Loading;

namespace WebApp.Pages.Shared;

/// <summary>The site-wide announcement from <c>site_settings</c>, shown on several pages.</summary>
public static class SiteAnnouncement
{
    /// <summary>
    /// The announcement's markup (<c>@SiteAnnouncement.Markup(view.Announcement)</c> in a view): an aside with the
    /// encoded text, nothing when there is none. Written here, not by a partial view, which cost more than the markup.
    /// </summary>
    public static IHtmlContent Markup(string? text) =>
        string.IsNullOrWhiteSpace(text) ? HtmlString.Empty : new AnnouncementMarkup(text);

    private sealed class AnnouncementMarkup(string text) : IHtmlContent
    {
        public void WriteTo(TextWriter writer, HtmlEncoder encoder)
        {
            writer.Write("<aside class=\"announcement\" aria-label=\"Announcement\">\n<p>");
            encoder.Encode(writer, text);
            writer.Write("</p>\n</aside>");
        }
    }

    /// <summary>The cache key every page's announcement loader shares.</summary>
    public const string CacheKey = "announcement";

    /// <summary>
    /// The announcement as a page's loader <paramref name="name"/>: from the in-memory cache, at most
    /// <see cref="IndexModel.Staleness"/> old, like the home page's other site-wide figures. Every page shares one
    /// entry, so a busy profile page asks the database for it once a minute, not on every visit.
    /// </summary>
    public static Loader<string?> Load(LoadGroup group, IDbContextFactory<AppDbContext> db, IMemoryCache cache, string name) =>
        group.CachedQuery(db, name, Query, cache, CacheKey, IndexModel.Staleness);

    /// <summary>The announcement through the shared cache entry, outside a page (the preload benchmark).</summary>
    public static Task<string?> GetAsync(IDbContextFactory<AppDbContext> db, IMemoryCache cache, CancellationToken cancellationToken) =>
        DbLoaders.CachedAsync(cache, db, CacheKey, IndexModel.Staleness, (d, c) => Query.For(d)(d, c), cancellationToken);

    public static readonly CompiledQuery<Func<AppDbContext, CancellationToken, Task<string?>>> Query =
        new(() => EF.CompileAsyncQuery((AppDbContext db, CancellationToken ct) =>
            db.SiteSettings
                .Where(s => s.Key == DemoSeed.AnnouncementKey)
                .Select(s => s.Value)
                .FirstOrDefault()));
}
