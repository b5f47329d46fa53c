using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;

namespace WebApp.Pages.Shared;

/// <summary>Display formats, culture-invariant so that every machine renders the same HTML.</summary>
public static class Formatting
{
    // What ReplaceLineEndings replaces: CR, LF (and CRLF), FF, NEL, LS, PS.
    private static readonly SearchValues<char> LineEndings = SearchValues.Create("\r\n\f\u0085\u2028\u2029");

    // A page writes a date and a count for each post (its day, its likes), and the same days and small counts come
    // back on every page: each is formatted once and kept, instead of a new string per post per request. Bounded:
    // a day kept is ~100 bytes, and ten thousand days are 27 years of posts.
    private const int MaxDays = 10_000;
    private static readonly ConcurrentDictionary<DateOnly, (string Display, string Iso)> Days = new();
    private static readonly string[] SmallCounts = [.. Enumerable.Range(0, 1_000).Select(n => n.ToString(CultureInfo.InvariantCulture))];

    public static string Date(DateTime value) => Day(value).Display;

    /// <summary>The machine-readable form for a &lt;time datetime&gt; attribute.</summary>
    public static string IsoDate(DateTime value) => Day(value).Iso;

    public static string Count(long value) =>
        value is >= 0 and < 1_000 ? SmallCounts[value] : value.ToString("N0", CultureInfo.InvariantCulture);

    private static (string Display, string Iso) Day(DateTime value)
    {
        var day = DateOnly.FromDateTime(value);
        if (Days.TryGetValue(day, out var formatted))
        {
            return formatted;
        }

        formatted = (day.ToString("d MMM yyyy", CultureInfo.InvariantCulture), day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Days.Count < MaxDays)
        {
            Days.TryAdd(day, formatted);
        }

        return formatted;
    }

    /// <summary>The first characters of a body, cut at a word boundary.</summary>
    public static string Excerpt(string body, int length = 160)
    {
        // As body.ReplaceLineEndings(" ") cut at a word, but into a stack buffer: one string per excerpt, not two.
        if (body.Length <= length && body.AsSpan().IndexOfAny(LineEndings) < 0)
        {
            return body;
        }

        var buffer = body.Length < 512 ? stackalloc char[body.Length + 1] : new char[body.Length + 1];
        return new string(buffer[..ExcerptInto(body, buffer, length)]);
    }

    /// <summary>
    /// Writes <see cref="Excerpt"/>'s text into <paramref name="destination"/> (at least one longer than
    /// <paramref name="body"/>) and returns its length: for writers that encode it straight out (<see cref="ExcerptHtml"/>).
    /// <paramref name="destination"/> may start at <paramref name="body"/> itself: each character is written at or
    /// before the place it was read from.
    /// </summary>
    public static int ExcerptInto(ReadOnlySpan<char> body, Span<char> destination, int length = 160)
    {
        var flat = Flatten(body, destination);
        if (flat.Length <= length)
        {
            return flat.Length;
        }

        var cut = flat[..(length + 1)].LastIndexOf(' ');
        cut = cut > length / 2 ? cut : length;
        if (char.IsHighSurrogate(flat[cut - 1]))
        {
            cut--; // never split an emoji in two
        }

        destination[cut] = '…';
        return cut + 1;
    }

    /// <summary>Writes <paramref name="text"/> with every line ending (CR, LF, CRLF, NEL, LS, PS, FF) as one space, as ReplaceLineEndings does.</summary>
    private static ReadOnlySpan<char> Flatten(ReadOnlySpan<char> text, Span<char> buffer)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (LineEndings.Contains(c))
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                c = ' ';
            }

            buffer[length++] = c;
        }

        return buffer[..length];
    }
}
