using System.Globalization;

namespace WebApp.Pages.Shared;

/// <summary>Display formats, culture-invariant so that every machine renders the same HTML.</summary>
public static class Formatting
{
    public static string Date(DateTime value) => value.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable form for a &lt;time datetime&gt; attribute.</summary>
    public static string IsoDate(DateTime value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The first characters of a body, cut at a word boundary.</summary>
    public static string Excerpt(string body, int length = 160)
    {
        var flat = body.ReplaceLineEndings(" ");
        if (flat.Length <= length)
        {
            return flat;
        }

        var cut = flat.LastIndexOf(' ', length);
        cut = cut > length / 2 ? cut : length;
        if (char.IsHighSurrogate(flat[cut - 1]))
        {
            cut--; // never split an emoji in two
        }

        return string.Concat(flat.AsSpan(0, cut), "…");
    }
}
