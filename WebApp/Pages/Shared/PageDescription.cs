using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace WebApp.Pages.Shared;

/// <summary>
/// The page's <c>&lt;meta name="description"&gt;</c>: each page sets <c>ViewData["Description"]</c> beside its
/// title, the layout writes it cut to a search snippet's length, and falls back to the site's own.
/// </summary>
public static class PageDescription
{
    public const string Key = "Description";
    public const string Site = "WebApp: a directory of people, their profiles and their posts.";

    /// <summary>Search engines show about 160 characters.</summary>
    public const int MaxLength = 160;

    public static string For(ViewDataDictionary viewData) => ForText(viewData[Key] as string);

    /// <summary>The same from the page's text itself, for renderers without view data (the benchmarks' peers of a view).</summary>
    public static string ForText(string? text)
    {
        var flat = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 0 ? Formatting.Excerpt(flat, MaxLength) : Site;
    }
}
