using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

using WebApp.Pages.Shared;

namespace WebApp.Pages.Markup;

/// <summary>
/// A generated picture for a user: initials on a colour picked from the handle. Computed here, in the
/// view model, so that the view only writes SVG markup; the same handle gets the same colour on every
/// machine and in every process (FNV-1a over its bytes, not string.GetHashCode, which is randomized).
/// It writes its own SVG (<c>@user.Avatar</c> in a view): a partial per avatar cost more than the rest of a
/// profile's markup (measured with RenderBenchmarks).
/// </summary>
public sealed class Avatar(string handle, string displayName) : IHtmlContent
{
    // Saturation and lightness low enough that white initials keep at least 4.5:1 on every hue.
    private const double Saturation = 0.5;
    private const double Lightness = 0.3;
    private const string LabelPrefix = "Avatar of ";

    public static Avatar For(string handle, string displayName) => new(handle, displayName);

    public string Initials => InitialsOf(handle, displayName);

    public int Hue => HueOf(handle);

    public string Label => LabelPrefix + displayName;

    /// <summary>The background as #rrggbb: an SVG presentation attribute, not a style, so the CSP allows it.</summary>
    public string Fill
    {
        get
        {
            Span<char> fill = stackalloc char[7];
            FillInto(fill);
            return new string(fill);
        }
    }

    /// <summary>Writes the SVG with no string of its own: label, colour and initials go straight to the page.</summary>
    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        writer.Write("<svg class=\"avatar\" role=\"img\" aria-label=\"" + LabelPrefix);
        encoder.Encode(writer, displayName);
        writer.Write("\" viewBox=\"0 0 40 40\" width=\"40\" height=\"40\" focusable=\"false\"><title>" + LabelPrefix);
        encoder.Encode(writer, displayName);
        writer.Write("</title><circle cx=\"20\" cy=\"20\" r=\"20\" fill=\"");
        Span<char> text = stackalloc char[64];
        FillInto(text);
        writer.Write(text[..7]);
        writer.Write("\"/><text x=\"20\" y=\"20\" dy=\"0.35em\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"15\" font-weight=\"600\">");
        // Letters and digits, but not all of them ASCII: encoded as the encoder would encode the string.
        Span<char> initials = stackalloc char[4];
        encoder.Encode(initials[..InitialsInto(handle, displayName, initials)], text, out _, out var written);
        writer.Write(text[..written]);
        writer.Write("</text></svg>");
    }

    private void FillInto(Span<char> destination)
    {
        var (r, g, b) = HslToRgb(Hue, Saturation, Lightness);
        destination.TryWrite(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}", out _);
    }

    public static int HueOf(string handle)
    {
        // FNV-1a over the handle's UTF-8 bytes, encoded a rune at a time instead of into a new array.
        var hash = 2166136261u;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in handle.EnumerateRunes())
        {
            foreach (var b in utf8[..rune.EncodeToUtf8(utf8)])
            {
                hash = unchecked((hash ^ b) * 16777619u);
            }
        }

        return (int)(hash % 360);
    }

    /// <summary>
    /// The first letter or digit of the name's first and last words (split at white space), upper-cased; one if the
    /// name has one such word, the handle's first character if none.
    /// </summary>
    public static string InitialsOf(string handle, string displayName)
    {
        Span<char> initials = stackalloc char[4];
        return new string(initials[..InitialsInto(handle, displayName, initials)]);
    }

    /// <summary>Writes <see cref="InitialsOf"/> into <paramref name="destination"/> (four characters) and returns their length.</summary>
    private static int InitialsInto(string handle, string displayName, Span<char> destination)
    {
        Rune first = default, last = default;
        var words = 0;
        var wordHasInitial = false;
        foreach (var rune in displayName.EnumerateRunes())
        {
            if (rune.IsBmp && char.IsWhiteSpace((char)rune.Value))
            {
                wordHasInitial = false;
            }
            else if (!wordHasInitial && Rune.IsLetterOrDigit(rune))
            {
                wordHasInitial = true;
                first = words++ == 0 ? rune : first;
                last = rune;
            }
        }

        Span<char> chars = stackalloc char[4];
        int length;
        if (words > 0)
        {
            length = first.EncodeToUtf16(chars);
            length += words > 1 ? last.EncodeToUtf16(chars[length..]) : 0;
        }
        else
        {
            chars[0] = handle.Length > 0 ? handle[0] : '?';
            length = 1;
        }

        return chars[..length].ToUpperInvariant(destination);
    }

    private static (int R, int G, int B) HslToRgb(int hue, double saturation, double lightness)
    {
        var chroma = (1 - Math.Abs(2 * lightness - 1)) * saturation;
        var h = hue / 60.0;
        var x = chroma * (1 - Math.Abs(h % 2 - 1));
        var (r, g, b) = h switch
        {
            < 1 => (chroma, x, 0.0),
            < 2 => (x, chroma, 0.0),
            < 3 => (0.0, chroma, x),
            < 4 => (0.0, x, chroma),
            < 5 => (x, 0.0, chroma),
            _ => (chroma, 0.0, x),
        };
        var m = lightness - chroma / 2;
        return (Channel(r + m), Channel(g + m), Channel(b + m));
    }

    private static int Channel(double value) => (int)Math.Round(Math.Clamp(value, 0, 1) * 255);
}
