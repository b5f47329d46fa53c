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
        // Every run of white space as one space, trimmed (as string.Join(' ', text.Split(null, RemoveEmptyEntries))),
        // then cut as an excerpt in the same stack buffer, so the description is the only string made.
        text ??= "";
        var flat = text.Length < 512 ? stackalloc char[text.Length + 1] : new char[text.Length + 1];
        var length = 0;
        var gap = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                gap = length > 0;
                continue;
            }

            if (gap)
            {
                flat[length++] = ' ';
                gap = false;
            }

            flat[length++] = c;
        }

        if (length == 0)
        {
            return Site;
        }

        return new string(flat[..Formatting.ExcerptInto(flat[..length], flat, MaxLength)]);
    }
}
